"""A due lesson reaches the learner as a Rasa external event, and the answer to
its quiz is graded, through the real scheduler job, Rasa and the actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.clock import utc_now
from bot.messaging.dispatch import deliver_due_lessons
from bot.models import OutboxMessage, QuizAttempt
from lessons import load_catalog

pytestmark = pytest.mark.rasa

# Tomorrow at noon in Panama (17:00 UTC): outside quiet hours whenever CI runs,
# and after lesson 1, which the actions stamp with the real time.
TICK = (utc_now() + timedelta(days=1)).replace(hour=17, minute=0, second=0, microsecond=0)


def test_due_lesson_is_delivered_by_the_scheduler_and_its_quiz_graded(
    new_phone, stack_settings
) -> None:
    phone = new_phone()
    phone.onboard()  # Spanish, entrepreneurship, evening, every day
    catalog = load_catalog(stack_settings.lessons_path)
    lesson = catalog.course("entrepreneurship").lessons[1]  # lesson 1 came with onboarding

    with phone.sessions() as session:
        learner = phone.learner(session)
        # Lesson 1 was yesterday; lesson 2 is due now.
        learner.last_lesson_at = TICK - timedelta(days=1)
        learner.next_lesson_at = TICK - timedelta(minutes=1)
        learner.pending_lesson_key = None
        learner.pending_question_key = None
        session.commit()
        learner_id = learner.id

    # Other tests' learners share this database and may be due too: the
    # assertions below are about this learner's rows only.
    summary = deliver_due_lessons(phone.sessions, phone.rasa, stack_settings, TICK)
    assert summary["triggered"] >= 1

    with phone.sessions() as session:
        kinds = list(
            session.scalars(
                select(OutboxMessage.kind).where(
                    OutboxMessage.learner_id == learner_id, OutboxMessage.status == "pending"
                )
            )
        )
        assert kinds == ["lesson", "quiz"]
        learner = phone.learner(session)
        assert learner.pending_lesson_key == lesson.key
        assert learner.next_lesson_at is not None and learner.next_lesson_at > TICK

    # A second tick at the same time sends this learner nothing more.
    deliver_due_lessons(phone.sessions, phone.rasa, stack_settings, TICK)
    with phone.sessions() as session:
        rows = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.learner_id == learner_id, OutboxMessage.status == "pending")
        )
        assert rows == 2

    phone.work()
    reply = "\n".join(phone.received())
    assert lesson.title["es"] in reply
    question = lesson.questions[0]
    assert question.prompt["es"] in reply

    right = question.correct_number
    reply = "\n".join(phone.say(str(right)))
    assert question.options[right - 1].feedback["es"] in reply
    with phone.sessions() as session:
        attempt = session.scalars(
            select(QuizAttempt).where(
                QuizAttempt.learner_id == learner_id, QuizAttempt.lesson_key == lesson.key
            )
        ).one()
        assert attempt.correct is True
