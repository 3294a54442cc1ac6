"""Twilio's Messages API over httpx, and the one place that knows Twilio's vocabulary.

One POST per message to ``/2010-04-01/Accounts/{sid}/Messages.json`` through the
Messaging Service, with a status callback to ``/twilio/status``. A learner's
erasure deletes Twilio's record of each of their messages, sent or received:
one DELETE per message to ``.../Messages/{MessageSid}.json`` (204; a 404 means
it is gone already). Twilio's error
JSON (``code``, ``message``, ``status``) becomes a ``ChannelError`` that says
why in the app's words (``ERROR_REASONS``) and whether to retry: 429, 5xx and
timeouts are worth retrying, other 4xx are not. Twilio's statuses, in its
answers and in its status callbacks (``read_status_callback``), map to the
app's through ``STATUSES``.

A timeout after Twilio accepted the message cannot be told apart from one
before, and Twilio's Messages API has no idempotency key: such a failure is
``maybe_taken`` (also a dropped connection or a 5xx), and, like a message
whose sender died after handing it over, looked up before it is sent again:
``find_taken`` lists the recipient's messages (GET ``Messages.json?To=``,
newest first) and adopts one with the same body from our Messaging Service
created since the hand-off. No ``DateSent`` filter: a message still queued at
Twilio has no ``date_sent`` yet, and it is exactly the one to find.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
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
# What a message found at Twilio may say; a failure's reason comes with its callback.
_FOUND = (*_ACCEPTED, OutboxStatus.READ)
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
# A Message resource's SID, as Twilio's API description defines it (SM..., MM... for media).
_MESSAGE_SID = re.compile(r"^(SM|MM)[0-9a-fA-F]{32}$")
# ``find_taken``: Twilio's clock and ours may differ a little; one page holds a
# learner's messages of several days; a few pages at most, however busy the number.
FIND_CLOCK_MARGIN = timedelta(seconds=60)
FIND_PAGE_SIZE = 100
FIND_MAX_PAGES = 3
# Transport failures before the request could leave: Twilio cannot have taken it.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
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
        self._api_base = settings.twilio.api_base_url.rstrip("/")
        self._url = f"{self._api_base}/2010-04-01/Accounts/{self._account_sid}/Messages.json"
        self._client = client or httpx.Client(
            auth=httpx.BasicAuth(settings.twilio.account_sid, settings.twilio.auth_token),
            timeout=TIMEOUT,
            headers={"User-Agent": "lessonbot"},
        )

    def send(self, message: OutgoingMessage) -> SendResult:
        to = _address(message)
        who = redact(message.to)
        try:
            response = self._client.post(self._url, data=self.form(message, to))
        except httpx.TimeoutException as error:
            log.warning("twilio send %s to %s: timeout", message.reference, who)
            raise ChannelError(
                FailureReason.PROVIDER_ERROR,
                f"timeout: {type(error).__name__}",
                retryable=True,
                maybe_taken=not isinstance(error, _NEVER_SENT),
            ) from error
        except httpx.TransportError as error:
            log.warning("twilio send %s to %s: %s", message.reference, who, type(error).__name__)
            raise ChannelError(
                FailureReason.PROVIDER_ERROR,
                f"network: {type(error).__name__}",
                retryable=True,
                maybe_taken=not isinstance(error, _NEVER_SENT),
            ) from error

        if response.is_success:
            return self._accepted(response, message.reference, who)
        raise self._error(response, message.reference, who)

    def find_taken(self, message: OutgoingMessage, since: datetime) -> SendResult | None:
        """Twilio's message to the same number, with the same body, created since ``since``.

        Any failure to list (network, 5xx, even 4xx) raises a retryable
        ``ChannelError``: the caller must not send while it cannot tell.
        """
        to = _address(message)
        cutoff = since.replace(tzinfo=None) - FIND_CLOCK_MARGIN
        url: str = self._url
        params: dict[str, str] | None = {"To": to, "PageSize": str(FIND_PAGE_SIZE)}
        for _ in range(FIND_MAX_PAGES):
            page = self._list_page(url, params, message.reference)
            reached_cutoff = False
            for resource in _resources(page):
                created = _created_at(resource)
                if created is None or created < cutoff:
                    reached_cutoff = reached_cutoff or created is not None
                    continue
                if self._same_message(resource, message, to):
                    sid = str(resource["sid"])
                    status = STATUSES.get(str(resource.get("status")), OutboxStatus.QUEUED)
                    status = status if status in _FOUND else OutboxStatus.QUEUED
                    log.info("twilio find %s: taken before as %s", message.reference, sid)
                    return SendResult(provider_sid=sid, status=status)
            next_page = page.get("next_page_uri")
            if reached_cutoff or not isinstance(next_page, str) or not next_page:
                break
            url, params = self._api_base + next_page, None  # the URI carries the query
        log.info("twilio find %s: not taken before", message.reference)
        return None

    def _list_page(
        self, url: str, params: dict[str, str] | None, reference: str
    ) -> dict[str, object]:
        try:
            response = self._client.get(url, params=params)
        except httpx.TransportError as error:  # timeouts included
            log.warning("twilio find %s: %s", reference, type(error).__name__)
            raise ChannelError(
                FailureReason.PROVIDER_ERROR,
                f"lookup: network: {type(error).__name__}",
                retryable=True,
            ) from error
        if not response.is_success:
            failure = self._error(response, reference, "(lookup)")
            raise ChannelError(
                failure.reason,
                f"lookup: {failure.message}",
                code=failure.code,
                retryable=True,
                retry_after=failure.retry_after,
            )
        return _json(response)

    def _same_message(self, resource: dict[str, Any], message: OutgoingMessage, to: str) -> bool:
        """Ours (To, Messaging Service, outbound) with the same text; a template: any of ours."""
        if resource.get("to") != to or not isinstance(resource.get("sid"), str):
            return False
        service = resource.get("messaging_service_sid")
        if service and service != self._service_sid:
            return False
        direction = resource.get("direction")
        if direction and not str(direction).startswith("outbound"):
            return False
        if message.content_sid is None:
            return resource.get("body") == (message.body or "")
        # WhatsApp buttons: the resource holds our own text, so a message Twilio
        # shows with another text (the lesson sent just before) is not this one.
        # A template's text is Twilio's rendering of variables: no text to compare.
        shown = resource.get("body")
        return not (message.content_text and shown) or shown == message.content_text

    def delete_message(self, provider_sid: str) -> None:
        """Delete Twilio's record of a message (body, numbers, media); gone already is fine."""
        if not _MESSAGE_SID.match(provider_sid):
            # Not a Twilio message (a local run's or another channel's id): Twilio holds nothing.
            log.info("twilio delete %s: not a Twilio message sid, nothing to delete", provider_sid)
            return
        url = self._url.removesuffix(".json") + f"/{provider_sid}.json"
        try:
            response = self._client.delete(url)
        except httpx.TransportError as error:
            log.warning("twilio delete %s: %s", provider_sid, type(error).__name__)
            raise ChannelError(
                FailureReason.PROVIDER_ERROR, f"network: {type(error).__name__}", retryable=True
            ) from error
        if response.is_success or response.status_code == 404:
            log.info("twilio delete %s: HTTP %s", provider_sid, response.status_code)
            return
        payload = _json(response)
        code = payload.get("code")
        code = code if isinstance(code, int) else None
        http = response.status_code
        text = scrub_numbers(str(payload.get("message") or f"HTTP {http} {response.reason_phrase}"))
        # Retried whatever the reason: a message still on its way, say, can go later.
        log.warning("twilio delete %s: HTTP %s code %s: %s", provider_sid, http, code, text[:250])
        raise ChannelError(
            reason_for(code, http),
            text[:250],
            code=code,
            retryable=True,
            retry_after=_retry_after(response),
        )

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
            reason,
            text,
            code=code,
            retryable=retryable,
            retry_after=_retry_after(response),
            maybe_taken=http >= 500,
        )


def _address(message: OutgoingMessage) -> str:
    """Twilio's ``To``: the number, prefixed for WhatsApp."""
    return message.to if message.channel == ChannelName.SMS else f"{message.channel}:{message.to}"


def _resources(page: dict[str, object]) -> list[dict[str, Any]]:
    messages = page.get("messages")
    if not isinstance(messages, list):
        return []
    return [resource for resource in messages if isinstance(resource, dict)]


def _created_at(resource: dict[str, Any]) -> datetime | None:
    """A resource's ``date_created`` (RFC 2822, GMT) as naive UTC; None if unreadable."""
    try:
        created = parsedate_to_datetime(str(resource.get("date_created")))
    except (TypeError, ValueError):
        return None
    if created.tzinfo is not None:
        created = created.astimezone(UTC).replace(tzinfo=None)
    return created


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
    """Seconds from ``Retry-After``; None unless a finite, non-negative number.

    A proxy or a broken server may send "inf", "nan", "-5" or a date: the
    sender then backs off as it would without the header.
    """
    value = response.headers.get("Retry-After", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None
