"""The counters the funnel reads agree with the rows they summarise, for every seeded lesson."""

from __future__ import annotations

from sqlalchemy import and_, func, select

from bot.models import LessonDelivery, OutboxMessage, QuizAttempt


def test_every_delivery_agrees_with_its_outbox_row_and_its_answers(db_session):
    first = QuizAttempt.attempt_number == 1
    answers = (
        select(
            QuizAttempt.learner_id,
            QuizAttempt.lesson_key,
            func.count(QuizAttempt.id).label("answered"),
            func.count(func.nullif(QuizAttempt.correct, False)).label("right"),
        )
        .where(first)
        .group_by(QuizAttempt.learner_id, QuizAttempt.lesson_key)
        .subquery()
    )
    rows = db_session.execute(
        select(
            LessonDelivery.delivered_confirmed_at.is_not(None),
            OutboxMessage.status.in_(("delivered", "read")),
            LessonDelivery.questions_answered,
            func.coalesce(answers.c.answered, 0),
            LessonDelivery.answered_right,
            func.coalesce(answers.c.right, 0),
        )
        .join(OutboxMessage, OutboxMessage.id == LessonDelivery.outbox_id)
        .outerjoin(
            answers,
            and_(
                answers.c.learner_id == LessonDelivery.learner_id,
                answers.c.lesson_key == LessonDelivery.lesson_key,
            ),
        )
    ).all()

    assert len(rows) == sum(100 - 5 * k for k in range(12))
    for confirmed, delivered, answered, recount, right, right_recount in rows:
        assert (bool(confirmed), answered, right) == (bool(delivered), recount, right_recount)
