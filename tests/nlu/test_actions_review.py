"""Spaced review end to end: a wrong answer, the scheduler's review job, the usual grading."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.models import OutboxMessage, QuizAttempt, ReviewItem
from bot.text.i18n import gettext_for
from bot.vocab import ReviewState
from lessons import Lesson, Question
from nlu.actions.lessons_flow import ActionDeliverLesson, ActionGradeAnswer
from scheduler.main import JOBS
from tests.nlu.helpers import add_learner, reload, run, tracker

pytestmark = pytest.mark.usefixtures("action_context")

# The learner chose 19:00 in Panama (UTC-5) and lessons on Mondays; the wrong
# answer comes on Monday 2026-03-02 at 09:00 (FIXED_NOW).
WEDNESDAY_1900 = datetime(2026, 3, 5, 0, 0)
REVIEW_JOB = next(body for job_id, body, _ in JOBS if job_id == "send_due_reviews")


def answer(learner, number: int, sid: str | None = None):  # type: ignore[no-untyped-def]
    metadata = {"message_sid": sid} if sid else None
    return tracker(learner, str(number), intent="choose_option", metadata=metadata)


def wrong_option(question: Question) -> int:
    return next(n for n in range(1, len(question.options) + 1) if n != question.correct_number)


def first_lesson_answered_wrong(db_session, domain, action_context):  # type: ignore[no-untyped-def]
    learner = add_learner(db_session, delivery_days="1000000")
    run(ActionDeliverLesson(), tracker(learner, "siguiente", intent="next_lesson"), domain)
    lesson: Lesson = action_context.catalog().course("entrepreneurship").lessons[0]
    first, second = lesson.questions[:2]
    run(ActionGradeAnswer(), answer(learner, wrong_option(first)), domain)
    run(ActionGradeAnswer(), answer(learner, second.correct_number), domain)
    return learner, lesson, first


def review_rows(db_session) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    query = select(OutboxMessage).where(OutboxMessage.idempotency_key.startswith("review:"))
    return list(db_session.scalars(query.order_by(OutboxMessage.id)))


def test_a_wrong_answer_comes_back_two_days_later_at_the_learners_time(
    db_session, domain, action_context, clock
):
    learner, lesson, question = first_lesson_answered_wrong(db_session, domain, action_context)

    assert REVIEW_JOB(action_context, WEDNESDAY_1900 - timedelta(minutes=1)) == {}
    assert review_rows(db_session) == []

    assert REVIEW_JOB(action_context, WEDNESDAY_1900) == {"sent": 1}
    [row] = review_rows(db_session)
    assert row.body == f"Repaso: {lesson.title['es']}\n{question.prompt['es']}"
    assert row.options == [option.text["es"] for option in question.options]
    assert REVIEW_JOB(action_context, WEDNESDAY_1900 + timedelta(minutes=1)) == {}

    # The answer goes through the quiz's usual path; right: recovered, nothing follows.
    clock.now = WEDNESDAY_1900 + timedelta(hours=1)
    result = run(ActionGradeAnswer(), answer(learner, question.correct_number), domain)
    right = question.options[question.correct_number - 1]
    assert result.texts == [right.feedback["es"]]
    stored = reload(db_session, learner)
    assert (stored.pending_lesson_key, stored.pending_question_key) == (None, None)
    item = db_session.scalars(select(ReviewItem)).one()
    assert (item.state, item.step) == (ReviewState.RECOVERED, 1)
    attempts = db_session.scalars(select(QuizAttempt.review_step).order_by(QuizAttempt.id))
    assert list(attempts) == [None, None, 1]


def test_wrong_again_on_review_comes_back_seven_days_after_that_answer(
    db_session, domain, action_context, clock
):
    learner, _, question = first_lesson_answered_wrong(db_session, domain, action_context)
    REVIEW_JOB(action_context, WEDNESDAY_1900)

    clock.now = WEDNESDAY_1900 + timedelta(hours=1)
    result = run(ActionGradeAnswer(), answer(learner, wrong_option(question), "SMreview1"), domain)

    assert result.texts[-1] == "Volverás a ver esta pregunta en 7 días."
    item = db_session.scalars(select(ReviewItem)).one()
    assert (item.state, item.step, item.due_at) == (
        ReviewState.DUE,
        2,
        WEDNESDAY_1900 + timedelta(days=7),
    )
    # The same message again (a retried turn) gets the same reply, not a second grade.
    replay = run(ActionGradeAnswer(), answer(learner, wrong_option(question), "SMreview1"), domain)
    assert replay.texts == result.texts
    db_session.expire_all()
    assert db_session.scalars(select(ReviewItem)).one().step == 2


def test_an_answer_graded_on_a_question_since_removed_is_not_graded_again(
    db_session, domain, action_context
):
    learner, lesson, question = first_lesson_answered_wrong(db_session, domain, action_context)
    # A question waits (the message must not be graded against it a second time).
    stored = reload(db_session, learner)
    stored.pending_lesson_key, stored.pending_question_key = lesson.key, question.key
    db_session.add(
        QuizAttempt(
            learner_id=learner.id,
            lesson_key="a-lesson-since-removed",
            question_key="q1",
            chosen_option=1,
            correct=False,
            attempt_number=1,
            inbound_message_sid="SMgone",
            answered_at=WEDNESDAY_1900,
        )
    )
    db_session.commit()

    result = run(ActionGradeAnswer(), answer(learner, 1, "SMgone"), domain)

    _ = gettext_for("es")
    assert result.texts == [
        _("No question is waiting for an answer. Write NEXT for your next lesson.")
    ]
    db_session.expire_all()
    assert db_session.scalar(select(func.count(QuizAttempt.id))) == 3
