"""Catch-up: a lesson whose outbox row failed is sent again at the next slot, not skipped.

The scheduler writes a turn's messages to the outbox; here the test plays
that part (``carry``) and the sender's outcome (the rows' status).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.messaging.outbox import write_reply
from bot.messaging.replies import Reply
from bot.models import LessonDelivery, OutboxMessage
from bot.vocab import OutboxStatus
from lessons import Lesson
from nlu.actions.lessons_flow import ActionDeliverLesson
from tests.nlu.helpers import FIXED_NOW, add_learner, reload, run, tracker

pytestmark = pytest.mark.usefixtures("action_context")

DAY = timedelta(days=1)


def lessons(action_context) -> tuple[Lesson, ...]:  # type: ignore[no-untyped-def]
    return action_context.catalog().course("entrepreneurship").lessons


def scheduled_turn(learner, domain) -> list[dict]:  # type: ignore[no-untyped-def]
    due = tracker(learner, "", intent="EXTERNAL_lesson_due", metadata={"is_external": True})
    return run(ActionDeliverLesson(), due, domain).messages


def carry(db_session, learner, turn: str, lesson_status: str, quiz_status: str) -> None:  # type: ignore[no-untyped-def]
    """Write the turn's lesson and quiz to the outbox, as the scheduler does, with their fate."""
    for index, (kind, status) in enumerate((("lesson", lesson_status), ("quiz", quiz_status))):
        key = f"{turn}:{index}"
        write_reply(db_session, key, learner.id, Reply(f"{kind} text", kind=kind), FIXED_NOW)
        row = db_session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))
        row.one().status = status
    db_session.commit()


def next_slot(db_session, clock, learner, at) -> None:  # type: ignore[no-untyped-def]
    clock.now = at
    reload(db_session, learner).next_lesson_at = at
    db_session.commit()


# case, the lesson row's status, the quiz row's status, sent again?
OUTCOMES = [
    ("the lesson failed", OutboxStatus.FAILED, OutboxStatus.FAILED, True),
    ("the lesson was undelivered", OutboxStatus.UNDELIVERED, OutboxStatus.DELIVERED, True),
    ("only its quiz failed", OutboxStatus.DELIVERED, OutboxStatus.FAILED, True),
    ("delivered", OutboxStatus.DELIVERED, OutboxStatus.DELIVERED, False),
    ("sent, no receipt yet", OutboxStatus.SENT, OutboxStatus.SENT, False),
    ("still waiting to be sent", OutboxStatus.PENDING, OutboxStatus.PENDING, False),
]


@pytest.mark.parametrize(
    ("lesson_status", "quiz_status", "sent_again"),
    [case[1:] for case in OUTCOMES],
    ids=[case[0] for case in OUTCOMES],
)
def test_the_next_slot_sends_a_missed_lesson_again(
    db_session, domain, action_context, clock, lesson_status, quiz_status, sent_again
):
    learner = add_learner(db_session, next_lesson_at=FIXED_NOW)
    first, second = lessons(action_context)[:2]
    scheduled_turn(learner, domain)
    carry(db_session, learner, f"lesson:{learner.public_id}:1", lesson_status, quiz_status)
    next_slot(db_session, clock, learner, FIXED_NOW + DAY)

    messages = scheduled_turn(learner, domain)

    expected = first if sent_again else second
    assert [m["kind"] for m in messages] == ["lesson", "quiz"]
    assert messages[0]["text"].startswith(expected.title["es"])
    assert reload(db_session, learner).pending_lesson_key == expected.key


def test_a_learner_unreachable_for_days_gets_the_missed_lesson_not_a_pile(
    db_session, domain, action_context, clock
):
    learner = add_learner(db_session, next_lesson_at=FIXED_NOW)
    first, second = lessons(action_context)[:2]
    scheduled_turn(learner, domain)
    for day in range(1, 4):  # three more days with the phone off: the same lesson each day
        carry(db_session, learner, f"lesson:{learner.public_id}:{day}", "failed", "failed")
        next_slot(db_session, clock, learner, FIXED_NOW + day * DAY)
        assert scheduled_turn(learner, domain)[0]["text"].startswith(first.title["es"])
    # A crash before the outbox had the re-sent lesson: the retried turn sends it again.
    assert scheduled_turn(learner, domain)[0]["text"].startswith(first.title["es"])

    carry(db_session, learner, f"lesson:{learner.public_id}:4", "delivered", "delivered")
    delivery = db_session.scalars(select(LessonDelivery)).one()
    assert delivery.delivered_at == FIXED_NOW + 3 * DAY  # counts from the send that arrived
    assert delivery.outbox_id == db_session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.idempotency_key == f"lesson:{learner.public_id}:4:0"
        )
    )
    next_slot(db_session, clock, learner, FIXED_NOW + 4 * DAY)

    assert scheduled_turn(learner, domain)[0]["text"].startswith(second.title["es"])
    assert db_session.scalar(select(func.count(LessonDelivery.id))) == 2


def test_next_after_a_missed_lesson_brings_that_lesson(db_session, domain, action_context, clock):
    learner = add_learner(db_session)
    first = lessons(action_context)[0]
    ask = tracker(learner, "siguiente", intent="next_lesson", metadata={"message_sid": "SM1"})
    run(ActionDeliverLesson(), ask, domain)
    carry(db_session, learner, "SM1", "failed", "failed")
    clock.now = FIXED_NOW + DAY

    again = tracker(learner, "siguiente", intent="next_lesson", metadata={"message_sid": "SM2"})
    messages = run(ActionDeliverLesson(), again, domain).messages

    assert messages[0]["text"].startswith(first.title["es"])
    assert reload(db_session, learner).last_lesson_at == FIXED_NOW + DAY  # today's lesson
