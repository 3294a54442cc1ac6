"""Send the outbox through the channel: paced, retried, every outcome recorded.

- Pacing: sends are spaced 1/rate apart, so no one-second window holds more
  than ``sender_rate_per_second`` sends *from this process*. With several
  worker processes, give each its share of the provider's rate.
- Retries: 429, 5xx and timeouts are tried again after ``sender_backoff_seconds``,
  doubling each time (or after Twilio's Retry-After, if longer), up to
  ``sender_max_attempts``; any other error fails the row with its code.
  21610 marks the learner opted out; 63016 is kept as "WhatsApp window closed".
- A learner who is opted out or erased gets only rows marked
  ``allow_when_opted_out`` (the STOP and erasure confirmations); once the
  erasure confirmation has gone, the learner's encrypted number is wiped.

Each row is claimed in a short transaction (see ``bot.outbox.claim_due``),
sent with no transaction open, and its outcome recorded in another.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import cast

from sqlalchemy.orm import Session, sessionmaker

from bot.channels import Channel, ChannelError, OutgoingMessage
from bot.db import session_scope
from bot.models import LearnerStatus, OutboxMessage, OutboxStatus
from bot.outbox import ERASURE_KIND, claim_due, mark_failed, mark_retry, mark_sent
from bot.phones import InvalidPhoneNumber, decrypt_phone
from bot.rendering import Channel as ChannelName
from bot.rendering import Message, render
from bot.settings import Settings
from bot.sms import analyse

log = logging.getLogger(__name__)


class SendOutcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    SUPPRESSED = "suppressed"  # the learner opted out or was erased


class Pacer:
    """Spaces calls at least ``1 / rate`` seconds apart on the given clock."""

    def __init__(
        self,
        rate_per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("the send rate must be positive")
        self.interval = 1.0 / rate_per_second
        self._clock = clock
        self._sleep = sleep
        self._next_slot: float | None = None

    def wait(self) -> None:
        """Block until the next send may go, and book the slot after it."""
        # One reading of the clock: read twice, the slot may pass in between and
        # the delay come out negative (time.sleep refuses it).
        delay = self._next_slot - self._clock() if self._next_slot is not None else 0.0
        if delay > 0:
            self._sleep(delay)
        self._next_slot = max(self._clock(), self._next_slot or 0.0) + self.interval


@dataclass(frozen=True)
class _Prepared:
    row_id: int
    attempts: int
    message: OutgoingMessage


def send_next(
    sessions: sessionmaker[Session],
    channel: Channel,
    settings: Settings,
    pacer: Pacer,
    now: datetime,
) -> SendOutcome | None:
    """Send the oldest due outbox row; None when nothing is due."""
    lease_until = now + timedelta(seconds=120 + pacer.interval)
    with session_scope(sessions) as session:
        row = claim_due(session, now, lease_until)
        if row is None:
            return None
        prepared = _prepare(session, row, settings, now)
        if isinstance(prepared, SendOutcome):
            return prepared

    pacer.wait()
    try:
        result = channel.send(prepared.message)
    except ChannelError as error:
        with session_scope(sessions) as session:
            return _record_error(session, prepared, error, settings, now)
    with session_scope(sessions) as session:
        row = _row(session, prepared.row_id)
        mark_sent(row, result.provider_sid, result.status, now)
        _after_final(row)
    return SendOutcome.SENT


def _prepare(
    session: Session, row: OutboxMessage, settings: Settings, now: datetime
) -> _Prepared | SendOutcome:
    """Render the row for the learner's channel, or settle it if it must not go."""
    learner = row.learner
    if not learner.is_reachable and not row.allow_when_opted_out:
        mark_failed(session, row, None, f"not sent: learner is {learner.status}", now)
        if learner.status == LearnerStatus.ERASED:
            row.body, row.options = None, None  # keep no text for an erased learner
        return SendOutcome.SUPPRESSED
    channel = row.channel or learner.channel  # a broadcast's SMS fallback overrides it
    try:
        if not learner.phone_encrypted:
            raise InvalidPhoneNumber("no phone number: the learner's data was erased")
        to = decrypt_phone(learner.phone_encrypted, settings.phone_encryption_key)
        body = None if row.content_sid else _render(row, channel, learner.language, settings)
    except ValueError as error:  # InvalidPhoneNumber, unknown channel, empty text
        mark_failed(session, row, None, f"not sent: {error}", now)
        _after_final(row)
        return SendOutcome.FAILED
    if body is not None and channel == "sms":
        info = analyse(body)
        row.segments, row.encoding = info.segments, info.encoding
    message = OutgoingMessage(
        to=to,
        channel=channel,
        body=body,
        content_sid=row.content_sid,
        content_variables=row.content_variables,
        reference=row.idempotency_key,
    )
    return _Prepared(row_id=row.id, attempts=row.attempts, message=message)


def _render(row: OutboxMessage, channel: str, language: str | None, settings: Settings) -> str:
    if not row.body:
        raise ValueError("the message has no text")
    message = Message(text=row.body, options=tuple(row.options or ()))
    language = language or settings.default_language
    return render(message, cast(ChannelName, channel), language, settings.sms_accent_free)


def _record_error(
    session: Session, prepared: _Prepared, error: ChannelError, settings: Settings, now: datetime
) -> SendOutcome:
    row = _row(session, prepared.row_id)
    if error.retryable and prepared.attempts < settings.sender_max_attempts:
        delay = settings.sender_backoff_seconds * 2 ** (prepared.attempts - 1)
        retry_at = now + timedelta(seconds=max(delay, error.retry_after or 0.0))
        mark_retry(row, error.code, error.message, retry_at)
        log.warning("%s: %s; retry at %s", row.idempotency_key, error, retry_at.isoformat())
        return SendOutcome.RETRY
    mark_failed(session, row, error.code, error.message, now)
    _after_final(row)
    log.error("%s failed (attempt %d): %s", row.idempotency_key, prepared.attempts, error)
    return SendOutcome.FAILED


def _after_final(row: OutboxMessage) -> None:
    """Once the erasure confirmation has gone (or never will), forget the number."""
    if row.kind == ERASURE_KIND and row.status != OutboxStatus.PENDING:
        row.learner.phone_encrypted = None


def _row(session: Session, row_id: int) -> OutboxMessage:
    row = session.get(OutboxMessage, row_id)
    if row is None:
        raise LookupError(f"outbox row {row_id} vanished while it was being sent")
    return row
