"""Builders for test data: Twilio-signed webhook posts, learners, inbound and outbox rows."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from bot.models import InboundMessage, Learner, OutboxMessage
from bot.phones import encrypt_phone, phone_hash
from bot.settings import Settings
from bot.vocab import LearnerStatus

OUR_NUMBER = "+15005550006"
NOW = datetime(2025, 3, 3, 14, 0, 0)
LEASE_END = NOW + timedelta(minutes=2)


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


def inbound_form(
    body: str = "hola",
    number: str = "+50761234567",
    channel: str = "sms",
    message_sid: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """The form fields Twilio posts for one inbound SMS or WhatsApp message."""
    prefix = "whatsapp:" if channel == "whatsapp" else ""
    sid = message_sid or new_sid()
    form = {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": prefix + number,
        "To": prefix + OUR_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "ApiVersion": "2010-04-01",
    }
    form.update(extra)
    return form


def sign(settings: Settings, path: str, form: dict[str, str]) -> str:
    """X-Twilio-Signature exactly as Twilio computes it, with twilio's own validator."""
    url = settings.app.public_url.rstrip("/") + path
    return RequestValidator(settings.twilio.auth_token).compute_signature(url, form)


def signed_post(client: Any, settings: Settings, path: str, form: dict[str, str]) -> Any:
    return client.post(path, data=form, headers={"X-Twilio-Signature": sign(settings, path, form)})


def add_learner(
    session: Session,
    settings: Settings,
    number: str = "+50761234567",
    channel: str = "sms",
    language: str | None = "es",
    status: str = LearnerStatus.ACTIVE,
) -> Learner:
    learner = Learner(
        phone_hash=phone_hash(number, settings.secrets.phone_hash_key),
        phone_encrypted=encrypt_phone(number, settings.secrets.phone_encryption_key),
        channel=channel,
        language=language,
        status=status,
        created_at=NOW,
    )
    session.add(learner)
    session.commit()
    return learner


def add_inbound(
    session: Session, learner: Learner, body: str | None, num_media: int = 0
) -> InboundMessage:
    message = InboundMessage(
        message_sid=new_sid(),
        learner_id=learner.id,
        channel=learner.channel,
        body=body,
        num_media=num_media,
        received_at=NOW,
    )
    session.add(message)
    session.commit()
    return message


def add_outbox(
    session: Session,
    learner: Learner,
    text: str = "Hola",
    kind: str = "reply",
    allow_when_opted_out: bool = False,
    options: list[str] | None = None,
) -> OutboxMessage:
    row = OutboxMessage(
        idempotency_key=new_sid("KEY"),
        learner_id=learner.id,
        kind=kind,
        body=text,
        options=options,
        allow_when_opted_out=allow_when_opted_out,
        created_at=NOW,
    )
    session.add(row)
    session.commit()
    return row
