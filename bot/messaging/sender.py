"""Send the outbox through the channel: batched, concurrent, paced, every outcome recorded.

- Batches: rows are claimed a batch at a time (``bot.messaging.outbox.claim_batch``, one
  transaction) and their outcomes recorded a batch at a time (another). A
  commit per message cost more than the send itself (SQLite flushes the disk
  on each commit), which held one sender under 100 messages a second.
- Concurrency: up to ``sender_concurrency`` sends are in flight at once, so the
  provider's answer time (a tenth of a second or more for Twilio) does not cap
  the rate at a few messages a second. A learner never has two rows in flight:
  a row is claimed only when none of the learner's earlier rows is pending,
  and a row stays pending until its outcome is recorded, so a quiz question
  never overtakes its lesson.
- Pacing: sends start on a grid of slots ``1 / rate`` apart (``Pacer``), shared
  by the sending threads, so no one-second window holds more than
  ``sender_rate_per_second`` sends *from this process*. With several worker
  processes, give each its share of the provider's rate.
- Retries: 429, 5xx and timeouts are tried again after ``sender.backoff_seconds``,
  doubling each time up to ``sender.retry_backoff_cap_seconds`` (or after
  Twilio's Retry-After, if longer, and only when a finite, non-negative number,
  capped by ``sender.retry_after_cap_seconds``): at least
  ``sender.max_attempts`` tries, and on while the row is younger than
  ``sender.retry_budget_seconds`` (``_may_retry``); any other error fails the
  row with its code.
- One row cannot hold up the others: a row that cannot be prepared (rendered,
  its number decrypted) fails alone with reason ``not_prepared``, and a row
  whose outcome cannot be recorded is recorded as failed alone (or, if the
  provider took it, as taken, so that it is never sent again). Only the
  database failing stops a claim or a recording as a whole.
  The channel's reason is kept on the row: "opted out" marks the learner opted
  out; "window closed" is answered with a WhatsApp template (bot.messaging.templates).
- A learner who is opted out or erased gets only rows marked
  ``allow_when_opted_out`` (the STOP and erasure confirmations), checked at
  the claim and again just before the send (a claimed row may wait a while
  for the rate; ``_LeftSinceClaim``); once the
  erasure confirmation has gone, the learner's encrypted number is wiped.
- Crashes: a claimed row is leased for ``sender_lease_seconds``. A claim
  that took more than half the lease (the database stalled: SQLite waits up
  to 30 s for a lock) is given up unsent, since its lease was counted from
  before the wait and may be nearly over; its rows go at a later claim. Rows
  still in flight are never claimed again by their own sender, whatever its
  clock says of their lease (its recording may be stalled). If this
  process dies, the row is due again when the lease ends, unless Twilio's
  status callback has shown by then that it took the message (``bot.messaging.status``).
  The callback may come later than that, so a row is marked as handed over
  (``handed_at``, committed with the claim, before the send starts; cleared
  with its outcome). A claimed row still so marked was maybe taken by the
  provider before its sender died: the sender first asks the channel
  (``Channel.find_taken``) and, if the provider has it, records its sid as
  sent and sends nothing. If the provider cannot tell (network, 5xx), the row
  is tried again after the usual backoff rather than sent blindly; a lookup
  failing at the row's last try (``_may_retry``) sends anyway:
  a lesson twice is better than never. A send that failed in a way the
  provider may have taken it all the same (``ChannelError.maybe_taken``: a
  timeout, a dropped connection, a 5xx) keeps the mark, so its retry is
  looked up first too.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, joinedload, sessionmaker

from bot.db import session_scope
from bot.learners import lifecycle
from bot.messaging.channels import Channel, ChannelError, OutgoingMessage, SendResult
from bot.messaging.content import content_for, row_choice
from bot.messaging.outbox import (
    advance_status,
    claim_batch,
    find_by_provider_sid,
    mark_failed,
    mark_retry,
    mark_sent,
    record_hand_off,
    record_rendering,
    suppress,
    take_provider_sid,
)
from bot.messaging.pacer import Pacer
from bot.models import Learner, OutboxMessage
from bot.ops.tally import SENDS, TALLY
from bot.phones import InvalidPhoneNumber, decrypt_phone
from bot.settings import Settings
from bot.text.render import Message, render
from bot.text.sms import analyse
from bot.vocab import ChannelName, FailureReason, LearnerStatus, OutboxKind, OutboxStatus

log = logging.getLogger(__name__)

# The most rows one claim takes: half a second's sends at the configured rate,
# so a claimed row waits about a second at most before its send starts.
MAX_BATCH = 100
# How long one step of the sending loop lets sends run before it records the
# finished ones: recording every send on its own would cost a commit each.
STEP_WAIT_SECONDS = 0.05


class SendOutcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"
    SUPPRESSED = "suppressed"  # the learner opted out or was erased


def default_concurrency(rate_per_second: float) -> int:
    """Enough sends in flight to keep the rate at a third of a second per answer."""
    return min(32, max(1, math.ceil(rate_per_second * 0.3) + 1))


@dataclass(frozen=True)
class _Prepared:
    row_id: int
    attempts: int
    message: OutgoingMessage
    learner_id: int
    allow_when_opted_out: bool
    # When an earlier attempt handed the row over without an outcome recorded since.
    handed_before: datetime | None = None
    # Whether a failure of this try fails the row (decided at the claim: ``_may_retry``).
    last_try: bool = False


@dataclass(frozen=True)
class _Attempt:
    """The channel's answer to one send: a result or an error."""

    prepared: _Prepared
    result: SendResult | None = None
    error: ChannelError | None = None
    # The result is the provider's record of an earlier hand-off, not a new send.
    found: bool = False
    # The error is the lookup's: whether the provider took the row is still unknown.
    unsure: bool = False
    # Not sent: the learner opted out or was erased after the row was claimed.
    suppressed: bool = False


class _LeftSinceClaim:
    """Which learners of the rows in flight opted out or were erased since their claim.

    A claimed row can wait a second or more for its turn at the rate limit
    (longer on a loaded machine); a STOP stored meanwhile must still hold it
    back. One query for all rows in flight, at most every ``REFRESH_SECONDS``,
    instead of one per send: at 100 sends a second a query each would cost
    more than the sends.
    """

    REFRESH_SECONDS = 0.2

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._lock = threading.Lock()
        self._watched: Counter[int] = Counter()
        self._left: set[int] = set()
        self._checked_at = -math.inf

    def watch(self, learner_id: int) -> None:
        with self._lock:
            self._watched[learner_id] += 1
            self._checked_at = -math.inf  # a new row: ask again before its send

    def unwatch(self, learner_id: int) -> None:
        with self._lock:
            self._watched[learner_id] -= 1
            if self._watched[learner_id] <= 0:
                del self._watched[learner_id]
                self._left.discard(learner_id)

    def has_left(self, learner_id: int) -> bool:
        with self._lock:
            if time.monotonic() - self._checked_at >= self.REFRESH_SECONDS:
                try:
                    self._refresh()
                except SQLAlchemyError as error:
                    # A busy database must not stop the sends (this runs in a
                    # send thread): the claim's own check stands, and the next
                    # send asks again.
                    log.warning("opt-outs not re-checked before a send: %s", type(error).__name__)
            return learner_id in self._left

    def _refresh(self) -> None:
        with session_scope(self._sessions) as session:
            self._left = set(
                session.scalars(
                    select(Learner.id).where(
                        Learner.id.in_(list(self._watched)),
                        Learner.status.in_((LearnerStatus.OPTED_OUT, LearnerStatus.ERASED)),
                    )
                )
            )
        self._checked_at = time.monotonic()


class Sender:
    """Claims due outbox rows, sends them through the channel and records the outcomes.

    ``send_due`` does whole passes and waits for every send (tests and tools);
    ``step`` is one step of the worker's endless loop, which keeps sends in
    flight while it records finished ones and claims more.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        channel: Channel,
        settings: Settings,
        pacer: Pacer | None = None,
    ) -> None:
        self._sessions = sessions
        self._channel = channel
        self._settings = settings
        rate = settings.sender.rate_per_second
        self.pacer = pacer or Pacer(rate)
        self.batch_size = min(MAX_BATCH, max(1, math.ceil(rate / 2)))
        self.concurrency = settings.sender.concurrency or default_concurrency(rate)
        # One thread sends inline (and in order), which tests with a fake clock need.
        self._pool = (
            ThreadPoolExecutor(self.concurrency, thread_name_prefix="send")
            if self.concurrency > 1
            else None
        )
        # The sends under way, with their rows' ids: not claimed again meanwhile.
        self._in_flight: dict[Future[_Attempt], int] = {}
        self._left = _LeftSinceClaim(sessions)
        # After a claim that found less than a batch, the next waits for the
        # idle poll or a nudge (a turn wrote replies): a claim is a query, and
        # asking every 50 ms while the last sends finish would be wasted work.
        self._drained_at: float | None = None
        self._nudged = threading.Event()

    def nudge(self) -> None:
        """New rows are in the outbox: claim them at the next step."""
        self._nudged.set()

    def send_due(self, now: datetime, limit: int) -> dict[str, int]:
        """Send due rows until none is left or ``limit`` were handled; all are recorded."""
        done: Counter[str] = Counter()
        while (room := limit - done.total()) > 0:
            prepared, settled = self._claim(now, min(self.batch_size, room))
            done.update(settled)
            if not prepared and not settled:
                break
            started = [self._start(item) for item in prepared]
            outcomes = self._record([future.result() for future in started], now)
            done.update(outcomes)
            if outcomes[SendOutcome.RETRY]:
                break  # rate limited or the provider is struggling: back off as a whole
        return dict(done)

    def step(self, now: datetime) -> dict[str, int]:
        """Claim more rows if few are in flight, let sends run a moment, record what finished.

        Returns the outcomes recorded, plus ``sending``: the rows still in flight.
        """
        done: Counter[str] = Counter()
        if len(self._in_flight) < self.batch_size and self._may_claim():
            self._nudged.clear()
            prepared, settled = self._claim(now, self.batch_size)
            done.update(settled)
            self._in_flight.update((self._start(item), item.row_id) for item in prepared)
            short = len(prepared) + settled.total() < self.batch_size
            self._drained_at = time.monotonic() if short else None
        if self._in_flight:
            wait(self._in_flight, timeout=STEP_WAIT_SECONDS)  # or until all are done
        done.update(self._record_finished(now))
        if self._in_flight:
            done["sending"] = len(self._in_flight)
        return dict(done)

    def _may_claim(self) -> bool:
        if self._drained_at is None or self._nudged.is_set():
            return True
        return time.monotonic() - self._drained_at >= self._settings.worker.idle_poll_seconds

    def finish(self, now: datetime) -> dict[str, int]:
        """Wait for the sends in flight and record them (the worker is stopping)."""
        wait(self._in_flight)
        outcomes = self._record_finished(now)
        if self._pool is not None:
            self._pool.shutdown()
        return dict(outcomes)

    def _record_finished(self, now: datetime) -> Counter[str]:
        finished = {future for future in self._in_flight if future.done()}
        if not finished:
            return Counter()
        outcomes = self._record([future.result() for future in finished], now)
        # Forgotten only once recorded: should recording fail, the loop tries again.
        for future in finished:
            del self._in_flight[future]
        return outcomes

    def _claim(self, now: datetime, limit: int) -> tuple[list[_Prepared], Counter[str]]:
        """Lease up to ``limit`` due rows; settle at once those that must not go."""
        lease_seconds = self._settings.sender.lease_seconds
        lease_until = now + timedelta(seconds=lease_seconds)
        prepared: list[_Prepared] = []
        settled: Counter[str] = Counter()
        started = time.monotonic()
        with session_scope(self._sessions) as session:
            claimed = claim_batch(
                session, now, lease_until, limit, exclude=self._in_flight.values()
            )
            for row in claimed:
                item = _prepare_alone(session, row, self._settings, now)
                if isinstance(item, SendOutcome):
                    settled[item] += 1
                else:
                    prepared.append(item)
        for outcome, count in settled.items():
            TALLY.count(SENDS, count, outcome=outcome, error_code="")
        took = time.monotonic() - started
        if prepared and took > lease_seconds / 2:
            # The lease was counted from ``now``, before the wait: another
            # sender may claim these rows before our sends end. Their hand-off
            # mark is committed, so the next claim asks the provider first.
            log.warning(
                "sender: the claim took %.0f s (lease %.0f s): %d rows left for a later claim",
                took,
                lease_seconds,
                len(prepared),
            )
            return [], settled
        return prepared, settled

    def _start(self, prepared: _Prepared) -> Future[_Attempt]:
        if not prepared.allow_when_opted_out:
            self._left.watch(prepared.learner_id)
        if self._pool is not None:
            return self._pool.submit(self._send, prepared)
        future: Future[_Attempt] = Future()
        future.set_result(self._send(prepared))
        return future

    def _send(self, prepared: _Prepared) -> _Attempt:
        try:
            return self._send_unless_left(prepared)
        finally:
            if not prepared.allow_when_opted_out:
                self._left.unwatch(prepared.learner_id)

    def _send_unless_left(self, prepared: _Prepared) -> _Attempt:
        if prepared.handed_before is not None:
            found = self._find_taken(prepared)
            if found is not None:
                return found
        self.pacer.wait()
        if not prepared.allow_when_opted_out and self._left.has_left(prepared.learner_id):
            return _Attempt(prepared, suppressed=True)
        try:
            return _Attempt(prepared, result=self._channel.send(prepared.message))
        except ChannelError as error:
            return _Attempt(prepared, error=error)
        except Exception as error:  # a bug or a surprise in the channel: retry, never lose the row
            log.exception("%s: unexpected error while sending", prepared.message.reference)
            return _Attempt(
                prepared,
                error=ChannelError(
                    FailureReason.PROVIDER_ERROR,
                    f"unexpected: {type(error).__name__}",
                    retryable=True,
                    maybe_taken=True,
                ),
            )

    def _find_taken(self, prepared: _Prepared) -> _Attempt | None:
        """The provider's record of an earlier hand-off, a failed lookup, or None: send."""
        assert prepared.handed_before is not None
        reference = prepared.message.reference
        try:
            result = self._channel.find_taken(prepared.message, prepared.handed_before)
        except Exception as error:  # ChannelError, or a surprise: the provider cannot tell
            if not prepared.last_try:
                log.warning("%s: handed over before, lookup failed: %s", reference, error)
                failure = (
                    error
                    if isinstance(error, ChannelError)
                    else ChannelError(
                        FailureReason.PROVIDER_ERROR,
                        f"lookup: unexpected: {type(error).__name__}",
                        retryable=True,
                    )
                )
                return _Attempt(prepared, error=failure, unsure=True)
            log.warning("%s: lookup failed at the last try, sending: %s", reference, error)
            return None
        if result is None:
            log.info("%s: handed over before, not taken: sending", reference)
            return None
        log.info("%s: handed over before and taken: not sent again", reference)
        return _Attempt(prepared, result=result, found=True)

    def _record(self, attempts: Iterable[_Attempt], now: datetime) -> Counter[str]:
        """Store every answer in one transaction."""
        attempts = list(attempts)
        outcomes: Counter[str] = Counter()
        if not attempts:
            return outcomes
        ids = [attempt.prepared.row_id for attempt in attempts]
        counted: list[tuple[SendOutcome, str]] = []
        with session_scope(self._sessions) as session:
            rows = {
                row.id: row
                for row in session.scalars(
                    select(OutboxMessage)
                    .where(OutboxMessage.id.in_(ids))
                    .options(joinedload(OutboxMessage.learner))
                )
            }
            for attempt in attempts:
                row = rows.get(attempt.prepared.row_id)
                if row is None:
                    log.error("outbox row %s vanished while it was sent", attempt.prepared.row_id)
                    continue
                try:
                    outcome = _record_one(session, row, attempt, self._settings, now)
                except SQLAlchemyError:
                    raise  # the database: the whole batch is recorded again at the next step
                except Exception as error:
                    log.exception("%s: outcome not recorded", row.idempotency_key)
                    outcome = _record_unrecordable(session, row, attempt, error, now)
                outcomes[outcome] += 1
                counted.append((outcome, _error_code(attempt)))
        # Counted once committed: a batch whose recording failed is recorded again.
        for outcome, code in counted:
            TALLY.count(SENDS, outcome=outcome.value, error_code=code)
        return outcomes


def _error_code(attempt: _Attempt) -> str:
    """The provider's error code as a label ("" for none): a code, never a number or a text."""
    code = attempt.error.code if attempt.error is not None else None
    return "" if code is None else str(code)


def _record_one(
    session: Session, row: OutboxMessage, attempt: _Attempt, settings: Settings, now: datetime
) -> SendOutcome:
    if attempt.suppressed:
        suppress(session, row, now)
        return SendOutcome.SUPPRESSED
    if attempt.error is not None:
        return _record_error(session, row, attempt, settings, now)
    assert attempt.result is not None
    sid = attempt.result.provider_sid
    if attempt.found and find_by_provider_sid(session, sid) not in (None, row):
        # The lookup matched an earlier row's message (the same text just before):
        # not this row's, which the next attempt sends.
        mark_retry(row, None, "the message found belongs to another row", now)
        return SendOutcome.RETRY
    mark_sent(row, sid, attempt.result.status, now)
    _after_final(row)
    return SendOutcome.SENT


def _record_unrecordable(
    session: Session, row: OutboxMessage, attempt: _Attempt, error: Exception, now: datetime
) -> SendOutcome:
    """Recording this row's outcome raised: record the least that keeps it right, alone."""
    if attempt.result is not None:
        # The provider took it (its answer, e.g. a status we do not know, is what
        # raised): never send it again; its status callbacks say the rest.
        take_provider_sid(row, attempt.result.provider_sid, now)
        advance_status(session, row, OutboxStatus.QUEUED, now)
        return SendOutcome.SENT
    reason = attempt.error.reason if attempt.error is not None else FailureReason.PROVIDER_ERROR
    code = attempt.error.code if attempt.error is not None else None
    mark_failed(session, row, reason, code, f"not sent; not recorded: {error!r}", now)
    return SendOutcome.FAILED


def _prepare_alone(
    session: Session, row: OutboxMessage, settings: Settings, now: datetime
) -> _Prepared | SendOutcome:
    """``_prepare``, but a row that raises fails alone, with its reason (a missing catalog ...)."""
    try:
        return _prepare(session, row, settings, now)
    except SQLAlchemyError:
        raise
    except Exception as error:
        log.exception("%s: cannot be prepared", row.idempotency_key)
        mark_failed(session, row, FailureReason.NOT_PREPARED, None, f"not sent: {error!r}", now)
        return SendOutcome.FAILED


def _prepare(
    session: Session, row: OutboxMessage, settings: Settings, now: datetime
) -> _Prepared | SendOutcome:
    """Render the row for the learner's channel, or settle it if it must not go."""
    learner = row.learner
    if not learner.is_reachable and not row.allow_when_opted_out:
        suppress(session, row, now)
        return SendOutcome.SUPPRESSED
    channel = row.channel or learner.channel  # a broadcast's SMS fallback overrides it
    try:
        if not learner.phone_encrypted:
            raise InvalidPhoneNumber("no phone number: the learner's data was erased")
        to = decrypt_phone(learner.phone_encrypted, settings.secrets.phone_encryption_key)
        body = None if row.content_sid else _render(row, channel, learner.language, settings)
    except ValueError as error:  # InvalidPhoneNumber, unknown channel, empty text
        mark_failed(session, row, FailureReason.NO_ADDRESS, None, f"not sent: {error}", now)
        _after_final(row)
        return SendOutcome.FAILED
    if body is not None and channel == ChannelName.SMS:
        record_rendering(row, analyse(body))
    message = OutgoingMessage(
        to=to,
        channel=channel,
        body=body,
        content_sid=row.content_sid,
        content_variables=row.content_variables,
        reference=row.idempotency_key,
    )
    if body is not None and channel == ChannelName.WHATSAPP:
        language = learner.language or settings.languages.default
        message = _with_buttons(session, row, message, language, now)
    # Committed with the claim, before the send starts (see "Crashes" above).
    handed_before = record_hand_off(row, now)
    return _Prepared(
        row.id,
        row.attempts,
        message,
        learner.id,
        row.allow_when_opted_out,
        handed_before,
        last_try=not _may_retry(row.attempts, row.created_at, now, settings),
    )


def _with_buttons(
    session: Session, row: OutboxMessage, message: OutgoingMessage, language: str, now: datetime
) -> OutgoingMessage:
    """A WhatsApp message with a choice goes as its Content (buttons, a list) once synced.

    Until then it goes as the numbered text already rendered
    (bot.messaging.content); so does a text too long for a Content body.
    """
    choice = row_choice(row, language)
    if choice is None:
        return message
    # The buttons it shows (or will, once synced): what a tap names (bot.messaging.taps).
    row.choice_key = choice.key
    content_sid = content_for(session, choice, now)
    if content_sid is None:
        return message
    return replace(message, body=None, content_sid=content_sid, content_text=choice.body)


def _render(row: OutboxMessage, channel: str, language: str | None, settings: Settings) -> str:
    if not row.body:
        raise ValueError("the message has no text")
    message = Message(text=row.body, options=tuple(row.options or ()))
    language = language or settings.languages.default
    return render(message, channel, language, settings.sms_accent_free(language))


def _record_error(
    session: Session, row: OutboxMessage, attempt: _Attempt, settings: Settings, now: datetime
) -> SendOutcome:
    error, prepared = attempt.error, attempt.prepared
    assert error is not None
    if error.retryable and not prepared.last_try:
        wait = max(_backoff(prepared.attempts, settings), _retry_after(error.retry_after, settings))
        retry_at = now + timedelta(seconds=wait)
        maybe_taken = attempt.unsure or error.maybe_taken
        mark_retry(row, error.code, error.message, retry_at, maybe_taken=maybe_taken)
        log.warning("%s: %s; retry at %s", row.idempotency_key, error, retry_at.isoformat())
        return SendOutcome.RETRY
    mark_failed(session, row, error.reason, error.code, error.message, now)
    _after_final(row)
    log.error("%s failed (attempt %d): %s", row.idempotency_key, prepared.attempts, error)
    return SendOutcome.FAILED


def _may_retry(
    attempts: int, created_at: datetime | None, now: datetime, settings: Settings
) -> bool:
    """Whether a try that fails for now (429, 5xx, a timeout) may be followed by another.

    At least ``sender.max_attempts`` tries, then on while the row is younger
    than ``sender.retry_budget_seconds``.
    """
    if attempts < settings.sender.max_attempts:
        return True
    if created_at is None:
        return False
    return (now - created_at).total_seconds() < settings.sender.retry_budget_seconds


def _backoff(attempts: int, settings: Settings) -> float:
    """``sender.backoff_seconds`` doubled after each try, at most the cap."""
    doublings = min(max(attempts - 1, 0), 32)  # 2**32 x any backoff is past any cap
    return min(
        settings.sender.backoff_seconds * 2**doublings, settings.sender.retry_backoff_cap_seconds
    )


def _retry_after(seconds: float | None, settings: Settings) -> float:
    """The provider's Retry-After if a finite, non-negative number, at most the cap; else 0."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return 0.0
    return min(seconds, settings.sender.retry_after_cap_seconds)


def _after_final(row: OutboxMessage) -> None:
    """Once the erasure confirmation has gone (or never will), forget the number."""
    if row.kind == OutboxKind.ERASURE and row.status != OutboxStatus.PENDING:
        lifecycle.forget_number(row.learner)
