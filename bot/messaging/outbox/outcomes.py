"""What happened to a row: sent, to retry, failed, suppressed, stopped; statuses only move on.

The sender (after a send), the status callbacks (``bot.messaging.status``)
and the broadcasts' cancel record outcomes here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value

from bot.db import rowcount
from bot.learners import lifecycle
from bot.messaging.outbox.redaction import TEXT_COLUMNS
from bot.models import Learner, LessonDelivery, OutboxMessage
from bot.text.sms import SmsInfo
from bot.vocab import RECEIVED, FailureReason, LearnerStatus, OutboxKind, OutboxStatus

WHATSAPP_WINDOW_CLOSED_TEXT = (
    "WhatsApp window closed: the learner's last message is older than 24 hours; "
    "send the approved template"
)
# The statuses that settle whether a lesson reached the phone.
_RECEIPT_STATUSES = frozenset(
    {OutboxStatus.DELIVERED, OutboxStatus.READ, OutboxStatus.FAILED, OutboxStatus.UNDELIVERED}
)


def record_rendering(row: OutboxMessage, info: SmsInfo) -> None:
    """What the SMS will cost: its encoding and segments, as rendered for the learner."""
    row.segments, row.encoding = info.segments, info.encoding


def record_hand_off(row: OutboxMessage, now: datetime) -> datetime | None:
    """The sender is about to hand the row to the provider; when it did before, if it did.

    The earlier time is kept: had a sender died after an earlier hand-off,
    the provider may have taken the message then, and the lookup that settles
    it (``Channel.find_taken``) must reach back that far.
    """
    before = row.handed_at
    row.handed_at = before or now
    return before


def mark_sent(row: OutboxMessage, provider_sid: str, status: str, now: datetime) -> None:
    row.provider_sid = provider_sid
    row.sent_at = now
    row.next_attempt_at = None
    row.handed_at = None
    row.error_code = None
    row.error_message = None
    row.failure_reason = None
    session = object_session(row)
    assert session is not None, "mark_sent needs the row's session"
    # A status callback may have come first (bot.messaging.status), even while this
    # transaction ran: the status only moves forward.
    advance_status(session, row, status, now)
    sync_lesson_receipt(session, row, now)  # the local channel answers "delivered"


def take_provider_sid(row: OutboxMessage, provider_sid: str, now: datetime) -> None:
    """A status callback names the row by its key: the provider took it under this sid.

    The sender died, or has not recorded the provider's answer yet; with the
    sid the row is not sent again when its lease ends.
    """
    row.provider_sid = provider_sid
    row.sent_at = row.sent_at or now
    row.next_attempt_at = None
    row.handed_at = None


def advance_status(session: Session, row: OutboxMessage, status: str, now: datetime) -> bool:
    """Move the row's status forward, never back; False if it was already as far or further.

    A compare-and-set in SQL rather than a check in Python: the sender records
    a send while Twilio's callbacks for it arrive in the web process, maybe
    several at once and out of order, and a status read a moment ago may be
    stale by the time it is written.
    """
    behind = OutboxStatus(status).behind()
    moved = rowcount(
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status.in_(behind))
            .values(status=status, status_updated_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    if moved:
        set_committed_value(row, "status", status)
        set_committed_value(row, "status_updated_at", now)
    else:
        session.refresh(row, ["status", "status_updated_at"])
    return moved == 1


def sync_lesson_receipt(session: Session, row: OutboxMessage, now: datetime) -> None:
    """Mirror a lesson row's status on its delivery: confirmed while delivered or read.

    Call after the row's status changed, in the same transaction; the funnel
    (bot.dashboard) counts ``LessonDelivery.delivered_confirmed_at`` instead of
    joining the outbox. Found through the learner's deliveries (an index), so a
    status callback costs one small indexed update.
    """
    if row.kind != OutboxKind.LESSON or row.status not in _RECEIPT_STATUSES:
        return
    linked = update(LessonDelivery).where(
        LessonDelivery.learner_id == row.learner_id, LessonDelivery.outbox_id == row.id
    )
    if row.status in RECEIVED:
        linked = linked.where(LessonDelivery.delivered_confirmed_at.is_(None)).values(
            delivered_confirmed_at=now
        )
    else:
        linked = linked.where(LessonDelivery.delivered_confirmed_at.is_not(None)).values(
            delivered_confirmed_at=None
        )
    session.execute(linked)


def mark_retry(
    row: OutboxMessage,
    code: int | None,
    message: str,
    next_attempt_at: datetime,
    *,
    maybe_taken: bool = False,
) -> None:
    """Try the row again at ``next_attempt_at``.

    ``maybe_taken``: whether the provider took an earlier hand-off is still
    unknown (its lookup failed), so the next attempt asks again before sending.
    """
    row.error_code = code
    row.error_message = message[:300]
    row.next_attempt_at = next_attempt_at
    if not maybe_taken:
        row.handed_at = None


def mark_failed(
    session: Session,
    row: OutboxMessage,
    reason: FailureReason,
    code: int | None,
    message: str,
    now: datetime,
) -> None:
    """The row will never be sent; record why and what follows from it."""
    row.status = OutboxStatus.FAILED
    row.next_attempt_at = None
    row.handed_at = None
    row.status_updated_at = now
    record_failure(session, row, reason, code, message, now)


def suppress(session: Session, row: OutboxMessage, now: datetime) -> None:
    """Not sent: the learner opted out or was erased meanwhile (an erased one's text goes too)."""
    status = row.learner.status
    mark_failed(
        session, row, FailureReason.LEARNER_LEFT, None, f"not sent: learner is {status}", now
    )
    if status == LearnerStatus.ERASED:
        for column in TEXT_COLUMNS:  # no text kept
            setattr(row, column, None)


def record_failure(
    session: Session,
    row: OutboxMessage,
    reason: FailureReason,
    code: int | None,
    message: str,
    now: datetime,
) -> None:
    """Store why the message will not arrive, and what follows: an opted-out learner is so."""
    row.failure_reason = reason
    row.error_code = code
    text = WHATSAPP_WINDOW_CLOSED_TEXT if reason == FailureReason.WINDOW_CLOSED else message
    row.error_message = text[:300]
    if reason == FailureReason.OPTED_OUT:
        learner = session.get(Learner, row.learner_id)
        if learner is not None:
            lifecycle.opted_out_by_provider(learner, now)


def stop_pending(
    session: Session,
    ids: Select[Any] | Iterable[int],
    kind: OutboxKind,
    message: str,
    now: datetime,
) -> int:
    """Fail the rows of ``ids`` still waiting for the sender (cancelled by staff); how many.

    A row the sender has already handed to the provider is not stopped.
    """
    return rowcount(
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.kind == kind)
            .where(OutboxMessage.id.in_(ids))
            .values(
                status=OutboxStatus.FAILED,
                failure_reason=FailureReason.CANCELLED,
                error_message=message[:300],
                next_attempt_at=None,
                status_updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
    )


def find_by_reference(session: Session, reference: str) -> OutboxMessage | None:
    """The row with this idempotency key (a status callback's ``ref``)."""
    return session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == reference))


def find_by_provider_sid(session: Session, provider_sid: str) -> OutboxMessage | None:
    return session.scalar(select(OutboxMessage).where(OutboxMessage.provider_sid == provider_sid))
