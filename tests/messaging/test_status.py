"""Status callbacks move a message forward only, and are safe to repeat."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Result, event
from sqlalchemy.orm import ORMExecuteState, Session

from bot.db import make_engine, make_session_factory
from bot.messaging.channels.twilio import StatusReport, status_report
from bot.messaging.outbox import WHATSAPP_WINDOW_CLOSED_TEXT, mark_sent
from bot.messaging.status import StatusOutcome, apply_status_callback
from bot.models import Learner, OutboxMessage
from bot.vocab import FailureReason, LearnerStatus, OutboxStatus
from tests.builders import NOW, add_learner, add_outbox, new_sid, signed_post

LATER = NOW + timedelta(seconds=5)


def sent_row(session: Session, settings, status: str, channel: str = "sms") -> OutboxMessage:
    row = add_outbox(session, add_learner(session, settings, channel=channel))
    row.provider_sid = new_sid()
    row.status = status
    session.commit()
    return row


@pytest.mark.parametrize(
    ("stored", "callback", "expected"),
    [
        ("queued", "sent", "sent"),
        ("queued", "delivered", "delivered"),  # "sent" may never arrive, or arrive later
        ("sent", "sending", "sent"),
        ("delivered", "sent", "delivered"),  # out of order: ignored
        ("delivered", "read", "read"),
        ("read", "delivered", "read"),
        ("queued", "failed", "failed"),
        ("sent", "undelivered", "undelivered"),
        ("failed", "delivered", "failed"),
        ("undelivered", "failed", "undelivered"),
        ("queued", "accepted", "queued"),
    ],
)
def test_status_only_moves_forward(db_session: Session, settings, stored, callback, expected):
    row = sent_row(db_session, settings, stored)

    apply_status_callback(db_session, status_report(row.provider_sid, callback, None), LATER)
    db_session.commit()

    assert db_session.get(OutboxMessage, row.id).status == expected


def test_the_same_callback_twice_changes_nothing_the_second_time(db_session: Session, settings):
    row = sent_row(db_session, settings, OutboxStatus.QUEUED)

    first = apply_status_callback(
        db_session, status_report(row.provider_sid, "delivered", None), LATER
    )
    again = apply_status_callback(
        db_session, status_report(row.provider_sid, "delivered", None), LATER + timedelta(minutes=1)
    )

    assert (first, again) == (StatusOutcome.APPLIED, StatusOutcome.STALE)
    assert (row.status, row.status_updated_at) == ("delivered", LATER)


def test_whatsapp_read_is_recorded(db_session: Session, settings):
    row = sent_row(db_session, settings, OutboxStatus.DELIVERED, channel="whatsapp")

    assert (
        apply_status_callback(db_session, status_report(row.provider_sid, "read", None), LATER)
        == "applied"
    )
    assert row.status == OutboxStatus.READ


def test_unknown_message_or_status_is_ignored(db_session: Session, settings):
    row = sent_row(db_session, settings, OutboxStatus.QUEUED)

    assert apply_status_callback(
        db_session, status_report(new_sid(), "delivered", None), LATER
    ) == (StatusOutcome.UNKNOWN_MESSAGE)
    assert apply_status_callback(
        db_session, status_report(row.provider_sid, "teleported", None), LATER
    ) == (StatusOutcome.UNKNOWN_STATUS)
    assert row.status == OutboxStatus.QUEUED


def failure(sid: str, status: OutboxStatus, reason: FailureReason, code: int) -> StatusReport:
    """A callback for a message that failed, as the channel reports it."""
    return StatusReport(sid, str(status), status, reason, code)


def test_window_closed_is_recorded_for_the_scheduler(db_session: Session, settings):
    row = sent_row(db_session, settings, OutboxStatus.QUEUED, channel="whatsapp")
    failed = failure(row.provider_sid, OutboxStatus.FAILED, FailureReason.WINDOW_CLOSED, 12345)

    apply_status_callback(db_session, failed, LATER)

    assert (row.status, row.failure_reason) == (OutboxStatus.FAILED, FailureReason.WINDOW_CLOSED)
    assert row.error_code == 12345  # shown to staff as the provider gave it
    assert row.error_message == WHATSAPP_WINDOW_CLOSED_TEXT


def test_undelivered_because_opted_out_marks_the_learner_opted_out(db_session: Session, settings):
    row = sent_row(db_session, settings, OutboxStatus.SENT)
    failed = failure(row.provider_sid, OutboxStatus.UNDELIVERED, FailureReason.OPTED_OUT, 12345)

    apply_status_callback(db_session, failed, LATER)
    db_session.commit()

    learner = db_session.get(Learner, row.learner_id)
    assert (learner.status, learner.opted_out_at) == (LearnerStatus.OPTED_OUT, LATER)
    assert (row.status, row.failure_reason) == (OutboxStatus.UNDELIVERED, FailureReason.OPTED_OUT)


def test_signed_callback_through_the_webhook(client, settings, db_session: Session):
    row = sent_row(db_session, settings, OutboxStatus.QUEUED, channel="whatsapp")
    form = {"MessageSid": row.provider_sid, "MessageStatus": "read", "AccountSid": "AC" + "0" * 32}

    for _ in range(2):  # Twilio may deliver the same callback twice
        assert signed_post(client, settings, "/twilio/status", form).status_code < 300

    db_session.expire_all()
    assert db_session.get(OutboxMessage, row.id).status == OutboxStatus.READ


def test_unsigned_callback_is_refused_and_changes_nothing(client, settings, db_session: Session):
    row = sent_row(db_session, settings, OutboxStatus.SENT)
    form = {"MessageSid": row.provider_sid, "MessageStatus": "delivered"}

    response = client.post("/twilio/status", data=form)

    assert response.status_code == 403
    db_session.expire_all()
    assert db_session.get(OutboxMessage, row.id).status == OutboxStatus.SENT


def test_callback_without_a_status_is_a_400_naming_the_field(client, settings, db_session):
    row = sent_row(db_session, settings, OutboxStatus.SENT)
    response = signed_post(client, settings, "/twilio/status", {"MessageSid": row.provider_sid})
    assert response.status_code == 400
    assert "MessageStatus" in response.get_data(as_text=True)


def test_a_callback_committed_while_the_sender_records_is_not_overwritten(db_session, settings):
    """The sender read the row as pending; Twilio's "delivered" lands before it writes."""
    row = add_outbox(db_session, add_learner(db_session, settings))
    engine = make_engine(settings.app.database_url)
    sessions = make_session_factory(engine)
    with sessions() as sender_session:
        stale = sender_session.get(OutboxMessage, row.id)
        assert stale.status == OutboxStatus.PENDING
        with sessions() as web_session:
            # The callback adopts the row by its reference (its sid not recorded yet).
            outcome = apply_status_callback(
                web_session,
                status_report("SM" + "d" * 32, "delivered", None),
                NOW,
                reference=row.idempotency_key,
            )
            web_session.commit()
        assert outcome == StatusOutcome.APPLIED

        mark_sent(stale, "SM" + "d" * 32, OutboxStatus.QUEUED, NOW)
        sender_session.commit()
        assert stale.status == OutboxStatus.DELIVERED  # what the sender now knows, too
    engine.dispose()

    db_session.expire_all()
    assert db_session.get(OutboxMessage, row.id).status == OutboxStatus.DELIVERED


def test_callbacks_out_of_order_never_move_a_message_back(db_session, settings):
    row = add_outbox(db_session, add_learner(db_session, settings))
    sid = "SM" + "e" * 32
    first = apply_status_callback(
        db_session, status_report(sid, "delivered", None), NOW, reference=row.idempotency_key
    )
    later = apply_status_callback(
        db_session, status_report(sid, "sent", None), NOW, reference=row.idempotency_key
    )
    db_session.commit()

    assert (first, later) == (StatusOutcome.APPLIED, StatusOutcome.STALE)
    db_session.expire_all()
    assert db_session.get(OutboxMessage, row.id).status == OutboxStatus.DELIVERED


def test_a_send_recorded_between_the_callbacks_two_look_ups_still_moves_forward(
    db_session, settings
):
    """Found neither by its sid (not recorded yet) nor by its reference (recorded by then).

    The callback looks the row up by Twilio's sid, then by the reference in its
    URL; the sender may commit Twilio's answer in between (in CI it did, once,
    and the message stayed "queued" for ever).
    """
    row = add_outbox(db_session, add_learner(db_session, settings))
    sid = "SM" + "f" * 32
    engine = make_engine(settings.app.database_url)
    sessions = make_session_factory(engine)

    def sender_records_meanwhile(state: ORMExecuteState) -> Result[Any] | None:
        if "provider_sid" not in str(state.statement) or state.session.info.get("raced"):
            return None
        state.session.info["raced"] = True
        found = state.invoke_statement()  # the look-up by sid: nothing yet
        with sessions() as sender_session:
            mark_sent(sender_session.get(OutboxMessage, row.id), sid, OutboxStatus.QUEUED, NOW)
            sender_session.commit()
        return found

    with sessions() as web_session:
        event.listen(web_session, "do_orm_execute", sender_records_meanwhile)
        outcome = apply_status_callback(
            web_session, status_report(sid, "delivered", None), LATER, reference=row.idempotency_key
        )
        web_session.commit()
    engine.dispose()

    assert outcome == StatusOutcome.APPLIED
    db_session.expire_all()
    assert db_session.get(OutboxMessage, row.id).status == OutboxStatus.DELIVERED
