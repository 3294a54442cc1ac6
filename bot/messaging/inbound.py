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
# Twilio attaches at most 10 media to a message; a count far beyond is not Twilio's.
MAX_NUM_MEDIA = 100
MAX_PROFILE_NAME = 120
# Our button and item ids are far shorter (bot.text.choices); Twilio allows 200.
MAX_TAP_PAYLOAD = 200
# The table itself, for statements that need no ORM objects (the webhook's
# INSERT, the worker's compare-and-set): the ORM's per-row work costs more CPU.
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
    # A WhatsApp tap: the button's (ButtonPayload) or list item's (ListId) id,
    # and the message it was under (OriginalRepliedMessageSid). Body is its title.
    tap_payload: str | None = None
    tapped_message_sid: str | None = None


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
    num_media = _count(form.get("NumMedia"), "NumMedia", MAX_NUM_MEDIA)
    profile_name = _text(form.get("ProfileName")).strip()[:MAX_PROFILE_NAME] or None
    # Kept as sent, if not absurdly long: one we cannot read is answered by
    # bot.messaging.taps, never refused here (the learner's message is kept).
    tap = _text(form.get("ButtonPayload") or form.get("ListId")).strip()[:MAX_TAP_PAYLOAD] or None
    replied = _text(form.get("OriginalRepliedMessageSid")).strip()
    return InboundSms(
        message_sid=message_sid,
        channel=channel,
        from_number=from_number,
        body=_text(form.get("Body"))[:MAX_STORED_BODY],
        num_media=num_media,
        profile_name=profile_name,
        tap_payload=tap if channel == ChannelName.WHATSAPP else None,
        tapped_message_sid=replied if tap and 0 < len(replied) <= 64 else None,
    )


def _count(text: str | None, field: str, most: int) -> int:
    """A count Twilio sends as ASCII digits, 0 to ``most``; empty is 0."""
    value = (text or "").strip()
    if not value:
        return 0
    # int() would also take "1_0", "٣" or 4,000 digits; Twilio sends none of them.
    if not (value.isascii() and value.isdigit()):
        raise InvalidInbound(field, "not a whole number")
    if len(value) > len(str(most)) or int(value) > most:
        raise InvalidInbound(field, f"more than {most}")
    return int(value)


def _text(value: str | None) -> str:
    # PostgreSQL refuses NUL in text; Twilio never sends it.
    return (value or "").replace("\x00", "")
