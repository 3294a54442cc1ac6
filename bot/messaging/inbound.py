"""Parse Twilio's inbound form into a typed message (``bot.messaging.ingest`` stores it).

Nothing here talks to Rasa or Twilio: the webhook only stores what arrived, so
that Twilio gets its answer at once and nothing is lost if Rasa is down.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table

from bot.models import InboundMessage
from bot.phones import InvalidPhoneNumber, parse_e164
from bot.vocab import ChannelName

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
