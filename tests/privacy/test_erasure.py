"""Erasing a learner: progress and texts go, a tombstone stays until the reply is sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from bot.broadcasts.models import Broadcast, BroadcastRecipient
from bot.models import (
    Enrollment,
    InboundMessage,
    Learner,
    LessonDelivery,
    OutboxMessage,
    QuizAttempt,
    ReviewItem,
)
from bot.privacy.erasure import erase_learner
from bot.staff.models import LearnerTag
from bot.vocab import LearnerStatus, OutboxStatus, ReviewState

NOW = datetime(2026, 3, 2, 14, 0)


def add_history(session, learner: Learner) -> None:  # type: ignore[no-untyped-def]
    session.add_all(
        [
            Enrollment(learner_id=learner.id, course_key="entrepreneurship", enrolled_at=NOW),
            LessonDelivery(
                learner_id=learner.id,
                course_key="entrepreneurship",
                lesson_key="ent-test-idea",
                delivered_at=NOW,
            ),
            QuizAttempt(
                learner_id=learner.id,
                lesson_key="ent-test-idea",
                question_key="q1",
                chosen_option=2,
                correct=True,
                inbound_message_sid="SM1",
                answered_at=NOW,
            ),
            InboundMessage(
                message_sid="SM1", learner_id=learner.id, channel="sms", body="2", received_at=NOW
            ),
            ReviewItem(
                learner_id=learner.id,
                lesson_key="ent-test-idea",
                question_key="q2",
                step=1,
                state=ReviewState.DUE,
                due_at=NOW,
                created_at=NOW,
            ),
            LearnerTag(learner_id=learner.id, tag="colon-2026", created_at=NOW),
            Broadcast(id=1, base_language="es", created_at=NOW, updated_at=NOW),
            BroadcastRecipient(broadcast_id=1, learner_id=learner.id, language="es"),
            OutboxMessage(
                idempotency_key="k1",
                learner_id=learner.id,
                body="sent lesson",
                options=["a", "b"],
                status=OutboxStatus.DELIVERED,
                created_at=NOW,
            ),
            OutboxMessage(
                idempotency_key="k2",
                learner_id=learner.id,
                body="waiting",
                status=OutboxStatus.PENDING,
                created_at=NOW,
            ),
        ]
    )
    session.flush()


def test_erase_learner(db_session):
    learner = Learner(
        channel="whatsapp",
        phone_hash="h" * 64,
        phone_encrypted="token",
        profile_name="Ana",
        language="ht",
        status=LearnerStatus.ACTIVE,
        consent_at=NOW,
        course_key="entrepreneurship",
        delivery_time="19:00",
        timezone="America/Port-au-Prince",
        pending_lesson_key="ent-test-idea",
        pending_question_key="q1",
        next_lesson_at=NOW,
        created_at=NOW,
        last_inbound_at=NOW,
        last_lesson_at=NOW,
        delivery_days="1111100",
    )
    db_session.add(learner)
    db_session.flush()
    add_history(db_session, learner)

    summary = erase_learner(db_session, learner, NOW)
    db_session.commit()

    assert (summary.quiz_attempts, summary.lesson_deliveries, summary.enrollments) == (1, 1, 1)
    for model in (
        QuizAttempt,
        LessonDelivery,
        Enrollment,
        LearnerTag,
        BroadcastRecipient,
        ReviewItem,
    ):
        assert db_session.scalar(select(func.count()).select_from(model)) == 0
    assert db_session.scalars(select(InboundMessage.body)).all() == [None]
    bodies = dict(
        db_session.execute(select(OutboxMessage.idempotency_key, OutboxMessage.body)).all()
    )
    assert bodies == {"k1": None, "k2": "waiting"}  # the sender drops k2 for an erased learner

    db_session.expire_all()
    stored = db_session.get(Learner, learner.id)
    assert stored.status == LearnerStatus.ERASED
    assert stored.phone_hash is None
    assert stored.phone_encrypted == "token"  # until the confirmation is sent
    assert stored.channel == "whatsapp"
    for field in ("profile_name", "language", "consent_at", "course_key", "delivery_time",
                  "pending_lesson_key", "pending_question_key", "next_lesson_at",
                  "last_inbound_at", "last_lesson_at"):  # fmt: skip
        assert getattr(stored, field) is None, field
    assert (stored.timezone, stored.delivery_days) == ("America/Panama", "1111111")
