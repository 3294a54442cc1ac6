"""Parse Twilio's inbound form into a typed message and store it.

Nothing here talks to Rasa or Twilio: the webhook only stores what arrived, so
that Twilio gets its answer at once and nothing is lost if Rasa is down.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Insert, Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db import rowcount
from bot.learners.schedule import release_waiting_lesson, resume_after_silence, timezone_for_number
from bot.models import InboundMessage, Learner
from bot.phones import InvalidPhoneNumber, encrypt_phone, parse_e164, phone_hash
from bot.settings import Settings
from bot.vocab import ChannelName, InboundStatus, LearnerStatus

log = logging.getLogger(__name__)

WHATSAPP_PREFIX = "whatsapp:"
# Twilio caps a message at 1,600 characters; anything longer is not from Twilio
# but is still stored whole: the worker decides how much of it Rasa reads.
MAX_STORED_BODY = 10_000
INBOUND = cast(Table, InboundMessage.__table__)


class InvalidInbound(ValueError):
    """The form cannot be a Twilio inbound message; ``field`` names the culprit."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class InboundSms:
    """One message as Twilio delivered it (SMS or WhatsApp)."""

    message_sid: str
    channel: ChannelName
    from_number: str  # E.164, without the whatsapp: prefix
    body: str
    num_media: int
    profile_name: str | None


def parse_inbound(form: Mapping[str, str]) -> InboundSms:
    """Turn Twilio's form fields into an ``InboundSms`` or raise ``InvalidInbound``."""
    message_sid = (form.get("MessageSid") or form.get("SmsMessageSid") or "").strip()
    if not message_sid:
        raise InvalidInbound("MessageSid", "missing")
    if len(message_sid) > 64:
        raise InvalidInbound("MessageSid", "longer than 64 characters")
    sender = (form.get("From") or "").strip()
    channel = ChannelName.SMS
    if sender.lower().startswith(WHATSAPP_PREFIX):
        channel = ChannelName.WHATSAPP
        sender = sender[len(WHATSAPP_PREFIX) :]
    try:
        from_number = parse_e164(sender)
    except InvalidPhoneNumber as error:
        raise InvalidInbound("From", str(error)) from error
    try:
        num_media = max(0, int(form.get("NumMedia") or 0))
    except ValueError as error:
        raise InvalidInbound("NumMedia", "not a whole number") from error
    profile_name = (form.get("ProfileName") or "").strip()[:120] or None
    return InboundSms(
        message_sid=message_sid,
        channel=channel,
        from_number=from_number,
        body=(form.get("Body") or "")[:MAX_STORED_BODY],
        num_media=num_media,
        profile_name=profile_name,
    )


def find_or_create_learner(
    session: Session, message: InboundSms, settings: Settings, now: datetime
) -> Learner:
    """The learner who wrote from this number (a new one on first contact), told of the message."""
    learner = learner_for(session, message, settings, now)
    note_message(learner, message, settings, now)
    return learner


def learner_for(
    session: Session, message: InboundSms, settings: Settings, now: datetime
) -> Learner:
    """The learner who wrote from this number; a new one (flushed) on first contact."""
    key = phone_hash(message.from_number, settings.secrets.phone_hash_key)
    learner = session.scalar(select(Learner).where(Learner.phone_hash == key))
    if learner is None:
        learner = Learner(
            phone_hash=key,
            phone_encrypted=encrypt_phone(
                message.from_number, settings.secrets.phone_encryption_key
            ),
            channel=message.channel,
            status=LearnerStatus.NEW,
            # A first guess from the country code; the learner can change it.
            timezone=timezone_for_number(message.from_number),
            created_at=now,
        )
        session.add(learner)
        session.flush()
        log.info("new learner %s on %s", learner.public_id, message.channel)
    return learner


def note_message(learner: Learner, message: InboundSms, settings: Settings, now: datetime) -> None:
    """What a message from the learner changes: channel, name, window, paused lessons."""
    # The same person may move between SMS and WhatsApp: answer where they wrote.
    learner.channel = message.channel
    if message.profile_name:
        learner.profile_name = message.profile_name
    learner.last_inbound_at = now
    # A reply reopens the WhatsApp window: a lesson held back for it is due now.
    release_waiting_lesson(learner, now)
    # A learner who went quiet and was asked "still there?" is back: lessons resume.
    resume_after_silence(learner, now, settings)


def _insert_once(insert: Callable[[Table], Any]) -> Insert:
    """INSERT of one inbound message that a second delivery of its MessageSid leaves alone.

    Built once per dialect, on the table rather than the ORM class: the
    webhook's CPU per request decides how much load one web process takes,
    and building the statement and the ORM's bulk-insert path cost more than
    running it.
    """
    statement = insert(INBOUND).values(
        message_sid=bindparam("message_sid"),
        learner_id=bindparam("learner_id"),
        channel=bindparam("channel"),
        body=bindparam("body"),
        num_media=bindparam("num_media"),
        received_at=bindparam("received_at"),
        status=InboundStatus.PENDING,
        attempts=0,
    )
    return cast(Insert, statement.on_conflict_do_nothing(index_elements=["message_sid"]))


_INSERT_ONCE = {
    "postgresql": _insert_once(postgresql.insert),
    "sqlite": _insert_once(sqlite.insert),
}


def store_inbound(session: Session, message: InboundSms, settings: Settings, now: datetime) -> bool:
    """Store the message once; False for a repeated delivery (same MessageSid).

    A repeated delivery changes nothing, the learner included: the message is
    inserted first (a concurrent delivery of the same MessageSid cannot break
    the INSERT; the other one wins), and only a stored message touches the learner.
    """
    learner = learner_for(session, message, settings, now)
    values = {
        "message_sid": message.message_sid,
        "learner_id": learner.id,
        "channel": message.channel,
        "body": message.body,
        "num_media": message.num_media,
        "received_at": now,
    }
    statement = _INSERT_ONCE[session.get_bind().dialect.name]
    if rowcount(session.execute(statement, values)) != 1:
        return False
    note_message(learner, message, settings, now)
    log.info("stored inbound %s from %s", message.message_sid, learner.public_id)
    return True
