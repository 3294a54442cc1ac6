"""The outbox: written once per key, taken in order per learner, leased while sending."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.messaging.outbox import claim_due, write_reply
from bot.messaging.replies import Reply, replies_from_rasa
from bot.models import LessonDelivery, OutboxMessage
from bot.vocab import OutboxStatus
from tests.builders import NOW, add_learner, add_outbox

LEASE = NOW + timedelta(minutes=2)


def test_the_same_key_is_written_once(db_session: Session, settings):
    learner = add_learner(db_session, settings)
    reply = Reply(text="Hola", options=("Sí", "No"), kind="quiz")

    first = write_reply(db_session, "SM1:0", learner.id, reply, NOW)
    again = write_reply(db_session, "SM1:0", learner.id, Reply(text="otra cosa"), NOW)
    db_session.commit()

    assert (first, again) == (True, False)
    row = db_session.scalars(select(OutboxMessage)).one()
    assert (row.body, row.options, row.kind, row.status) == (
        "Hola",
        ["Sí", "No"],
        "quiz",
        "pending",
    )
    assert row.allow_when_opted_out is False


def test_replies_are_read_from_custom_payloads_and_plain_text():
    messages = [
        {
            "recipient_id": "L1",
            "custom": {"text": "Pregunta", "options": ["a", "b"], "kind": "quiz"},
        },
        {
            "recipient_id": "L1",
            "custom": {"text": "Adiós", "kind": "opt_out", "allow_when_opted_out": True},
        },
        {"recipient_id": "L1", "text": "Elige", "buttons": [{"title": "Sí", "payload": "/affirm"}]},
        {"recipient_id": "L1", "image": "https://example.org/x.png"},
    ]

    assert replies_from_rasa(messages) == [
        Reply(text="Pregunta", options=("a", "b"), kind="quiz"),
        Reply(text="Adiós", kind="opt_out", allow_when_opted_out=True),
        Reply(text="Elige", options=("Sí",)),
    ]


def test_claim_takes_the_oldest_due_row_and_leases_it(db_session: Session, settings):
    ana = add_learner(db_session, settings, number="+50761111111")
    ben = add_learner(db_session, settings, number="+50762222222")
    first, second = add_outbox(db_session, ana), add_outbox(db_session, ben)

    claimed = claim_due(db_session, NOW, LEASE)
    db_session.commit()

    assert claimed is not None and claimed.id == first.id
    assert (claimed.attempts, claimed.next_attempt_at) == (1, LEASE)
    # Leased: not due again until the lease ends; the other learner's row is.
    assert claim_due(db_session, NOW, LEASE).id == second.id
    assert claim_due(db_session, NOW, LEASE) is None
    assert claim_due(db_session, LEASE, LEASE + timedelta(minutes=2)).id == first.id


def test_a_learners_later_row_waits_for_the_earlier_one(db_session: Session, settings):
    ana = add_learner(db_session, settings, number="+50761111111")
    ben = add_learner(db_session, settings, number="+50762222222")
    lesson = add_outbox(db_session, ana, "Lección")
    question = add_outbox(db_session, ana, "Pregunta")
    other = add_outbox(db_session, ben, "Hola Ben")
    lesson.next_attempt_at = NOW + timedelta(seconds=30)  # waiting for a retry
    db_session.commit()

    assert claim_due(db_session, NOW, LEASE).id == other.id
    assert claim_due(db_session, NOW, LEASE) is None  # the question does not overtake

    lesson.status = OutboxStatus.QUEUED
    db_session.commit()
    assert claim_due(db_session, NOW, LEASE).id == question.id


def test_rows_that_are_not_pending_are_never_claimed(db_session: Session, settings):
    learner = add_learner(db_session, settings)
    for status in (OutboxStatus.QUEUED, OutboxStatus.FAILED, OutboxStatus.DELIVERED):
        add_outbox(db_session, learner).status = status
    db_session.commit()

    assert claim_due(db_session, NOW, LEASE) is None
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)) == 3


def test_a_lesson_row_is_linked_to_the_lesson_delivery_it_carries(db_session: Session, settings):
    learner = add_learner(db_session, settings)
    delivery = LessonDelivery(
        learner_id=learner.id,
        course_key="entrepreneurship",
        lesson_key="ent-test-idea",
        delivered_at=NOW,
    )
    db_session.add(delivery)
    db_session.flush()

    write_reply(db_session, "SM1:0", learner.id, Reply("Prueba tu idea", kind="lesson"), NOW)
    write_reply(db_session, "SM1:1", learner.id, Reply("¿Qué haces?", kind="quiz"), NOW)
    # A repeat of the lesson later finds nothing left to link.
    write_reply(db_session, "SM2:0", learner.id, Reply("Prueba tu idea", kind="lesson"), NOW)
    db_session.flush()

    lesson_row = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == "SM1:0")
    ).one()
    assert delivery.outbox_id == lesson_row.id
