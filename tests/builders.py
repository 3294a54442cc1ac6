"""Builders for test data: Twilio-signed webhook posts and learners."""

from __future__ import annotations

import secrets
from typing import Any

from twilio.request_validator import RequestValidator

from bot.settings import Settings

OUR_NUMBER = "+15005550006"


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
