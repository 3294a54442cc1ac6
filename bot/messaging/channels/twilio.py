"""Twilio's Messages API over httpx, and the one place that knows Twilio's vocabulary.

One POST per message to ``/2010-04-01/Accounts/{sid}/Messages.json`` through the
Messaging Service, with a status callback to ``/twilio/status``. Twilio's error
JSON (``code``, ``message``, ``status``) becomes a ``ChannelError`` that says
why in the app's words (``ERROR_REASONS``) and whether to retry: 429, 5xx and
timeouts are worth retrying, other 4xx are not. Twilio's statuses, in its
answers and in its status callbacks (``read_status_callback``), map to the
app's through ``STATUSES``.

A timeout after Twilio accepted the message cannot be told apart from one
before, and Twilio's Messages API has no idempotency key: a retry after a
timeout may, rarely, send the message twice. That is the better failure for a
lesson than never sending it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx

from bot.messaging.channels import ChannelError, OutgoingMessage, SendResult
from bot.phones import redact
from bot.settings import Settings, SettingsError
from bot.vocab import ChannelName, FailureReason, OutboxStatus

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(15.0, connect=5.0)
# Twilio's MessageStatus values -> ours. "sending", "accepted" and "scheduled"
# are steps before "sent" at Twilio: queued here.
STATUSES = {
    "accepted": OutboxStatus.QUEUED,
    "scheduled": OutboxStatus.QUEUED,
    "queued": OutboxStatus.QUEUED,
    "sending": OutboxStatus.QUEUED,
    "sent": OutboxStatus.SENT,
    "delivered": OutboxStatus.DELIVERED,
    "partially_delivered": OutboxStatus.DELIVERED,
    "read": OutboxStatus.READ,
    "failed": OutboxStatus.FAILED,
    "canceled": OutboxStatus.FAILED,
    "undelivered": OutboxStatus.UNDELIVERED,
}
# Twilio's own codes for "too many requests" and "queue overflow", sent with 4xx.
# Bounds on what a status callback may carry: Twilio's SIDs are 34 characters,
# its statuses one word, its error codes five digits.
MAX_SID_LENGTH = 64
MAX_STATUS_LENGTH = 32
MAX_ERROR_CODE_DIGITS = 6
_RETRYABLE_CODES = frozenset({20429, 30001})
# What the answer to a send may say: taken, and as far as delivered.
_ACCEPTED = (OutboxStatus.QUEUED, OutboxStatus.SENT, OutboxStatus.DELIVERED)
# Twilio's error codes that the app tells apart (twilio.com/docs/api/errors).
ERROR_REASONS = {
    21610: FailureReason.OPTED_OUT,  # the recipient replied STOP to this sender
    63016: FailureReason.WINDOW_CLOSED,  # WhatsApp free text outside the 24-hour window
    21211: FailureReason.INVALID_NUMBER,  # invalid 'To' phone number
    21614: FailureReason.INVALID_NUMBER,  # 'To' is not a valid mobile number
    30003: FailureReason.UNREACHABLE,  # unreachable destination handset
    30005: FailureReason.UNREACHABLE,  # unknown destination handset
    30006: FailureReason.UNREACHABLE,  # landline or unreachable carrier
    30004: FailureReason.BLOCKED,  # message blocked
    30007: FailureReason.BLOCKED,  # message filtered by the carrier
    30008: FailureReason.PROVIDER_ERROR,  # unknown error
    20429: FailureReason.RATE_LIMITED,  # too many requests (sent with a 4xx)
    30001: FailureReason.RATE_LIMITED,  # queue overflow (sent with a 4xx)
}
# Anything that looks like a phone number inside a provider's error text.
_NUMBER = re.compile(r"\+?\d[\d ]{6,16}\d")


def scrub_numbers(text: str) -> str:
    """Redact phone numbers that a provider quotes back in an error message."""
    return _NUMBER.sub(lambda match: redact(match.group(0).replace(" ", "")), text)


class TwilioChannel:
    name = "twilio"

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        if not settings.twilio.messaging_service_sid:
            raise SettingsError("TWILIO_MESSAGING_SERVICE_SID must be set to send through Twilio")
        self._account_sid = settings.twilio.account_sid
        self._service_sid = settings.twilio.messaging_service_sid
        self._status_callback = settings.app.public_url.rstrip("/") + "/twilio/status"
        self._url = (
            f"{settings.twilio.api_base_url.rstrip('/')}"
            f"/2010-04-01/Accounts/{self._account_sid}/Messages.json"
        )
        self._client = client or httpx.Client(
            auth=httpx.BasicAuth(settings.twilio.account_sid, settings.twilio.auth_token),
            timeout=TIMEOUT,
            headers={"User-Agent": "lessonbot"},
        )

    def send(self, message: OutgoingMessage) -> SendResult:
        to = message.to if message.channel == ChannelName.SMS else f"{message.channel}:{message.to}"
        who = redact(message.to)
        try:
            response = self._client.post(self._url, data=self.form(message, to))
        except httpx.TimeoutException as error:
            log.warning("twilio send %s to %s: timeout", message.reference, who)
            raise ChannelError(
                FailureReason.PROVIDER_ERROR, f"timeout: {type(error).__name__}", retryable=True
            ) from error
        except httpx.TransportError as error:
            log.warning("twilio send %s to %s: %s", message.reference, who, type(error).__name__)
            raise ChannelError(
                FailureReason.PROVIDER_ERROR, f"network: {type(error).__name__}", retryable=True
            ) from error

        if response.is_success:
            return self._accepted(response, message.reference, who)
        raise self._error(response, message.reference, who)

    def form(self, message: OutgoingMessage, to: str) -> dict[str, str]:
        """The form fields of Twilio's CreateMessageRequest."""
        # The outbox key rides on the callback URL: should this process die
        # between Twilio's answer and recording it, the callback still tells
        # which row Twilio took, so the row is not sent again (bot.messaging.status).
        callback = self._status_callback
        if message.reference:
            callback += "?" + urlencode({"ref": message.reference})
        form = {
            "To": to,
            "MessagingServiceSid": self._service_sid,
            "StatusCallback": callback,
        }
        if message.content_sid:
            form["ContentSid"] = message.content_sid
            if message.content_variables:
                form["ContentVariables"] = json.dumps(message.content_variables)
        else:
            form["Body"] = message.body or ""
        return form

    def close(self) -> None:
        self._client.close()

    def _accepted(self, response: httpx.Response, reference: str, who: str) -> SendResult:
        payload = _json(response)
        sid = payload.get("sid")
        if not isinstance(sid, str) or not sid:
            log.error(
                "twilio send %s to %s: %s without a sid", reference, who, response.status_code
            )
            raise ChannelError(
                FailureReason.PROVIDER_ERROR,
                "Twilio accepted the message without a sid",
                retryable=False,
            )
        status = STATUSES.get(str(payload.get("status")), OutboxStatus.QUEUED)
        status = status if status in _ACCEPTED else OutboxStatus.QUEUED
        log.info("twilio send %s to %s: %s %s", reference, who, sid, payload.get("status"))
        return SendResult(provider_sid=sid, status=status)

    def _error(self, response: httpx.Response, reference: str, who: str) -> ChannelError:
        payload = _json(response)
        code = payload.get("code")
        code = code if isinstance(code, int) else None
        http = response.status_code
        text = str(payload.get("message") or f"HTTP {http} {response.reason_phrase}")
        text = scrub_numbers(text)[:250]
        reason = reason_for(code, http)
        retryable = http == 429 or http >= 500 or code in _RETRYABLE_CODES
        log.warning(
            "twilio send %s to %s: HTTP %s code %s (%s): %s",
            reference,
            who,
            http,
            code,
            "will retry" if retryable else "permanent",
            text,
        )
        return ChannelError(
            reason, text, code=code, retryable=retryable, retry_after=_retry_after(response)
        )


def reason_for(code: int | None, http: int | None = None) -> FailureReason:
    """Why Twilio refused or failed a message, from its error code, else its HTTP status."""
    if code in ERROR_REASONS:
        return ERROR_REASONS[code]
    if http == 429:
        return FailureReason.RATE_LIMITED
    if http is None or http >= 500:
        return FailureReason.PROVIDER_ERROR
    return FailureReason.REFUSED


class InvalidCallback(ValueError):
    """A status callback field missing or out of bounds; ``field`` names it."""

    def __init__(self, field: str, reason: str = "missing") -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field


@dataclass(frozen=True)
class StatusReport:
    """A delivery status callback in the app's words."""

    message_sid: str
    provider_status: str  # Twilio's own word, for the log
    status: OutboxStatus | None  # None: a status the app does not know
    reason: FailureReason | None  # why, for a message that failed or was undelivered
    code: int | None  # Twilio's error code, if it gave one (for staff to look up)


def status_report(message_sid: str, provider_status: str, code: int | None) -> StatusReport:
    """Twilio's MessageStatus and ErrorCode for a message, as the app reads them."""
    status = STATUSES.get(provider_status.strip().lower())
    failed = status in (OutboxStatus.FAILED, OutboxStatus.UNDELIVERED)
    reason = reason_for(code) if failed else None
    return StatusReport(message_sid, provider_status, status, reason, code)


def read_status_callback(form: Mapping[str, str]) -> StatusReport:
    """The form Twilio posts to the StatusCallback URL, or ``InvalidCallback``."""
    message_sid = (form.get("MessageSid") or "").strip()
    if not message_sid:
        raise InvalidCallback("MessageSid")
    if len(message_sid) > MAX_SID_LENGTH:
        raise InvalidCallback("MessageSid", f"longer than {MAX_SID_LENGTH} characters")
    provider_status = (form.get("MessageStatus") or "").strip().lower()
    if not provider_status:
        raise InvalidCallback("MessageStatus")
    if len(provider_status) > MAX_STATUS_LENGTH:
        raise InvalidCallback("MessageStatus", f"longer than {MAX_STATUS_LENGTH} characters")
    return status_report(message_sid, provider_status, error_code(form.get("ErrorCode")))


def error_code(text: str | None) -> int | None:
    """Twilio's ErrorCode (five digits); None for none, or for one that cannot be Twilio's.

    Only informative (staff look it up): a status with a garbled code is still
    applied, rather than refused and lost.
    """
    value = (text or "").strip()
    if not (value.isascii() and value.isdigit() and len(value) <= MAX_ERROR_CODE_DIGITS):
        return None
    return int(value)


def _json(response: httpx.Response) -> dict[str, object]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
