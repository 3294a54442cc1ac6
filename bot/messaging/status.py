"""Delivery status callbacks: a message's status only moves forward.

Twilio may call back out of order (``delivered`` before ``sent``) and more than
once; a status that is not ahead of the stored one (``OutboxStatus.rank``) is
ignored, so applying the same callback twice changes nothing. WhatsApp's
``read`` is recorded. A failed or undelivered message keeps its reason (and
the provider's code): opted out marks the learner opted out, window closed is
answered by the scheduler with a template (``bot.messaging.templates``).
The channel reads Twilio's form (``channels.twilio.read_status_callback``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from bot.messaging.channels.twilio import StatusReport
from bot.messaging.outbox import (
    advance_status,
    find_by_provider_sid,
    find_by_reference,
    record_failure,
    sync_lesson_receipt,
    take_provider_sid,
)
from bot.models import OutboxMessage
from bot.vocab import FailureReason, OutboxStatus

log = logging.getLogger(__name__)


class StatusOutcome(StrEnum):
    APPLIED = "applied"
    STALE = "stale"  # not ahead of the stored status: a repeat or out of order
    UNKNOWN_MESSAGE = "unknown_message"
    UNKNOWN_STATUS = "unknown_status"


def apply_status_callback(
    session: Session, report: StatusReport, now: datetime, reference: str | None = None
) -> StatusOutcome:
    """Move the outbox row with the report's provider sid forward; do not commit.

    ``reference`` is the row's idempotency key from the callback URL: a row
    whose sender died before recording Twilio's answer has no sid yet, and
    takes this one (so it is not sent a second time when its lease ends).
    """
    message_sid, new_status = report.message_sid, report.status
    if new_status is None:
        log.warning(
            "status callback for %s: unknown status %r ignored", message_sid, report.provider_status
        )
        return StatusOutcome.UNKNOWN_STATUS
    row = find_by_provider_sid(session, message_sid)
    if row is None and reference:
        row = _by_reference(session, reference, message_sid, now)
    if row is None:
        # Not ours, or from before a purge. Nothing to move.
        log.info("status callback for unknown message %s", message_sid)
        return StatusOutcome.UNKNOWN_MESSAGE
    if not advance_status(session, row, new_status, now):
        return StatusOutcome.STALE
    if new_status in (OutboxStatus.FAILED, OutboxStatus.UNDELIVERED):
        code = f" with error {report.code}" if report.code else ""
        message = f"Twilio reported {report.provider_status}{code}"
        reason = report.reason or FailureReason.PROVIDER_ERROR
        record_failure(session, row, reason, report.code, message, now)
    sync_lesson_receipt(session, row, now)
    log.info("message %s is %s", message_sid, new_status)
    return StatusOutcome.APPLIED


def _by_reference(
    session: Session, reference: str, message_sid: str, now: datetime
) -> OutboxMessage | None:
    """The row this callback is for, found by the outbox key in its URL.

    Its sid may be unrecorded still (the sender died, or has not written
    Twilio's answer yet: the row takes the sid now) or recorded since the
    look-up by sid a moment ago (the sender's commit came in between). A row
    that went out under another sid is another message's.
    """
    row = find_by_reference(session, reference)
    if row is None or row.provider_sid not in (None, message_sid):
        return None
    if row.provider_sid is None:
        log.info("message %s: Twilio took %s before its send was recorded", reference, message_sid)
        take_provider_sid(row, message_sid, now)
    return row
