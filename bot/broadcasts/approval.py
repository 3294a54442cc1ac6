"""When a broadcast needs a second person's approval: asked at "send", checked again at start.

The threshold (``broadcasts.approval_threshold``) counts everything one person
sends within 24 hours without approval, so splitting a big announcement into
small ones does not avoid it. When the scheduler starts a broadcast it counts
the segment again: more recipients than were approved, or (unapproved) above
the threshold now, and it goes back to "awaiting approval" with the reason,
instead of sending to people nobody agreed to.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from bot.broadcasts.models import Broadcast, BroadcastRecipient, BroadcastStatus
from bot.settings import Settings
from bot.staff.accounts import audit

WINDOW = timedelta(hours=24)
# What an approval reason says (the pages word it: bot.broadcasts.forms.approval_reason).
AUTHOR_TOTAL = "author_total"  # with the author's other unapproved broadcasts that day
GREW = "grew_since_approval"  # the segment grew after it was approved
OVER_THRESHOLD = "over_threshold_at_start"  # the segment grew past the threshold meanwhile
_GOING = (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING, BroadcastStatus.SENT)


def waiting_for(session: Session, staff_id: int) -> int:
    """Broadcasts awaiting approval that ``staff_id`` may approve (not their own)."""
    mine = or_(Broadcast.created_by_id == staff_id, Broadcast.requested_by_id == staff_id)
    query = (
        select(func.count())
        .select_from(Broadcast)
        .where(Broadcast.status == BroadcastStatus.AWAITING_APPROVAL)
        .where(~func.coalesce(mine, False))
    )
    return int(session.scalar(query) or 0)


def others_sent_by(
    session: Session, broadcast: Broadcast, author_id: int | None, around: datetime
) -> int:
    """Recipients of the author's other unapproved broadcasts going within 24 h of ``around``."""
    if author_id is None:
        return 0
    going_at = func.coalesce(Broadcast.started_at, Broadcast.send_at)
    total = session.scalar(
        select(func.sum(func.coalesce(Broadcast.recipient_count, Broadcast.requested_count)))
        .where(Broadcast.id != broadcast.id, Broadcast.status.in_(_GOING))
        .where(Broadcast.approved_by_id.is_(None))
        .where(or_(Broadcast.requested_by_id == author_id, Broadcast.created_by_id == author_id))
        .where(going_at > around - WINDOW, going_at < around + WINDOW)
    )
    return int(total or 0)


def reason_to_ask(
    session: Session,
    broadcast: Broadcast,
    recipients: int,
    author_id: int | None,
    goes_at: datetime,
    settings: Settings,
) -> dict[str, Any] | None:
    """At "send": None when it may go without approval, else why it may not."""
    threshold = settings.broadcasts.approval_threshold
    if recipients > threshold:
        return {"reason": "count", "recipients": recipients, "threshold": threshold}
    others = others_sent_by(session, broadcast, author_id, goes_at)
    if recipients + others > threshold:
        return {
            "reason": AUTHOR_TOTAL,
            "recipients": recipients,
            "others": others,
            "threshold": threshold,
        }
    return None


def reason_to_hold(
    session: Session, broadcast: Broadcast, recipients: int, settings: Settings, now: datetime
) -> dict[str, Any] | None:
    """At start, with the snapshot taken: None to go on, else why it waits for approval again."""
    approved = broadcast.requested_count or 0
    if broadcast.approved_by_id is not None:
        if recipients > approved:
            return {"reason": GREW, "recipients": recipients, "approved": approved}
        return None
    threshold = settings.broadcasts.approval_threshold
    author = broadcast.requested_by_id or broadcast.created_by_id
    others = others_sent_by(session, broadcast, author, now)
    if recipients + others > threshold:
        return {
            "reason": OVER_THRESHOLD if recipients > threshold else AUTHOR_TOTAL,
            "recipients": recipients,
            "others": others,
            "threshold": threshold,
        }
    return None


def hold(session: Session, broadcast: Broadcast, why: dict[str, Any], now: datetime) -> None:
    """Back to "awaiting approval" before anything is queued: the snapshot is dropped.

    Called by the scheduler inside the transaction that moved it to "sending", so a
    crash leaves it scheduled, never half held.
    """
    session.execute(
        delete(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast.id)
    )
    broadcast.status = BroadcastStatus.AWAITING_APPROVAL
    broadcast.requested_count = why["recipients"]
    broadcast.approval_reason = why
    broadcast.approval_emailed_at = None  # a new wait: the approvers are told again
    broadcast.requested_send_at = None  # when approved: after the undo window
    for moment in ("started_at", "send_at", "undo_until", "approved_at"):
        setattr(broadcast, moment, None)
    broadcast.approved_by_id = None
    broadcast.recipient_count = None
    audit(session, None, "broadcast.held", {"broadcast": broadcast.id} | why, now)
