"""A sender that dies between Twilio's answer and recording it does not send twice.

Twilio's Messages API has no idempotency key; the outbox key rides on the
status callback URL instead, so Twilio's callback tells which row it took
(``bot.messaging.status``), and the row is not sent again when its lease ends.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.messaging.channels import OutgoingMessage
from bot.messaging.channels.twilio import TwilioChannel, status_report
from bot.messaging.outbox import claim_due, mark_sent
from bot.messaging.status import StatusOutcome, apply_status_callback
from bot.models import OutboxMessage
from bot.vocab import OutboxStatus
from tests.builders import NOW, add_learner, add_outbox, new_sid, signed_post

LEASE = NOW + timedelta(minutes=2)


def test_the_callback_url_carries_the_outbox_key(settings):
    channel = TwilioChannel(
        settings.with_overrides(
            {"twilio.account_sid": "AC1", "twilio.messaging_service_sid": "MG1"}
        )
    )
    message = OutgoingMessage(to="+50761234567", channel="sms", body="Hola", reference="b:7:Lx")
    form = channel.form(message, message.to)
    channel.close()
    assert form["StatusCallback"] == "https://lessonbot.example.org/twilio/status?ref=b%3A7%3ALx"


def test_a_callback_settles_a_row_whose_send_was_never_recorded(db_session, settings):
    row = add_outbox(db_session, add_learner(db_session, settings))
    claimed = claim_due(db_session, NOW, LEASE)  # the sender claimed it, sent it, and died
    db_session.commit()
    sid = new_sid()

    outcome = apply_status_callback(
        db_session, status_report(sid, "sent", None), NOW, reference=claimed.idempotency_key
    )
    db_session.commit()

    assert outcome == StatusOutcome.APPLIED
    db_session.expire_all()
    settled = db_session.get(OutboxMessage, row.id)
    assert (settled.provider_sid, settled.status, settled.next_attempt_at) == (sid, "sent", None)
    assert claim_due(db_session, LEASE + timedelta(seconds=1), LEASE) is None  # never again


def test_a_late_callback_of_an_earlier_attempt_changes_nothing(db_session, settings):
    row = add_outbox(db_session, add_learner(db_session, settings))
    mark_sent(row, new_sid(), OutboxStatus.QUEUED, NOW)
    db_session.commit()
    stray = apply_status_callback(
        db_session, status_report(new_sid(), "delivered", None), NOW, reference=row.idempotency_key
    )
    assert stray == StatusOutcome.UNKNOWN_MESSAGE
    assert db_session.get(OutboxMessage, row.id).status == OutboxStatus.QUEUED


def test_the_senders_record_never_moves_a_status_back(db_session, settings):
    row = add_outbox(db_session, add_learner(db_session, settings))
    sid = new_sid()
    apply_status_callback(
        db_session, status_report(sid, "delivered", None), NOW, reference=row.idempotency_key
    )
    mark_sent(row, sid, OutboxStatus.QUEUED, NOW)  # Twilio's answer, recorded after its callback
    db_session.commit()
    assert db_session.scalar(select(OutboxMessage.status)) == OutboxStatus.DELIVERED


def test_the_webhook_passes_the_reference_on(client, db_session, settings):
    row = add_outbox(db_session, add_learner(db_session, settings))
    sid = new_sid()
    path = f"/twilio/status?ref={row.idempotency_key}"
    response = signed_post(client, settings, path, {"MessageSid": sid, "MessageStatus": "sent"})
    assert response.status_code == 204
    db_session.expire_all()
    assert db_session.get(OutboxMessage, row.id).provider_sid == sid
