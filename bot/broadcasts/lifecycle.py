"""A broadcast's life: draft, send (or ask for approval), approve, undo, cancel.

    draft -> scheduled                      (send; at most the approval threshold)
    draft -> awaiting_approval -> scheduled (above it: someone else approves; the
                                             threshold counts the author's day: approval)
    scheduled -> awaiting_approval          (the scheduler, at start: more recipients than
                                             approved, or above the threshold now)
    awaiting_approval | scheduled -> draft  (undo: until the scheduler starts it)
    scheduled -> sending -> sent            (the scheduler: bot.broadcasts.queueing)
    any but sent -> cancelled               (cancel; while sending, pending rows stop)

"Send now" starts after ``undo_seconds``, the undo window. Every step is
written to the audit log. Moves are compare-and-set on the status, so a click
and the scheduler never both win. Functions take a session and do not commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.broadcasts import approval
from bot.broadcasts import audience as segment
from bot.broadcasts.compose import Draft, FieldError, validate_send_at
from bot.broadcasts.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    RecipientState,
)
from bot.broadcasts.preview import build as build_preview
from bot.broadcasts.queueing import CANCELLED_TEXT
from bot.db import rowcount
from bot.messaging.outbox import stop_pending
from bot.settings import Settings
from bot.staff.accounts import audit
from bot.vocab import OutboxKind


class BroadcastError(Exception):
    """The step cannot be taken; ``errors`` name the fields at fault, if any."""

    def __init__(self, message: str, errors: tuple[FieldError, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


def create(session: Session, draft: Draft, actor_id: int | None, now: datetime) -> Broadcast:
    broadcast = Broadcast(status=BroadcastStatus.DRAFT, created_by_id=actor_id, created_at=now)
    draft.store_in(broadcast, now)
    session.add(broadcast)
    session.flush()
    audit(session, actor_id, "broadcast.create", {"broadcast": broadcast.id}, now)
    return broadcast


def update_draft(
    session: Session, broadcast: Broadcast, draft: Draft, actor_id: int | None, now: datetime
) -> None:
    if broadcast.status != BroadcastStatus.DRAFT:
        raise BroadcastError(_("Only a draft can be changed."))
    draft.store_in(broadcast, now)
    audit(session, actor_id, "broadcast.update", {"broadcast": broadcast.id}, now)


def request_send(
    session: Session,
    broadcast: Broadcast,
    actor_id: int | None,
    send_at: datetime | None,
    settings: Settings,
    now: datetime,
) -> Broadcast:
    """Send now (after the undo window) or at ``send_at``; above the threshold, ask first."""
    preview = build_preview(session, Draft.from_broadcast(broadcast), settings, now)
    max_days = settings.broadcasts.max_schedule_days
    errors = (*preview.errors, *validate_send_at(send_at, now, max_days))
    if errors:
        raise BroadcastError(_("The broadcast cannot be sent as it is."), tuple(errors))
    goes_at = send_at or now + timedelta(seconds=settings.broadcasts.undo_seconds)
    why = approval.reason_to_ask(
        session, broadcast, preview.recipients, actor_id, goes_at, settings
    )
    needs_approval = why is not None
    target = BroadcastStatus.AWAITING_APPROVAL if needs_approval else BroadcastStatus.SCHEDULED
    values: dict[str, Any] = {
        "status": target,
        "requested_send_at": send_at,
        "requested_by_id": actor_id,
        "requested_count": preview.recipients,
        "approval_reason": why,
        "approval_emailed_at": None,  # a new wait: the approvers are told again
    }
    if not needs_approval:
        values |= _schedule(send_at, settings, now)
    _move(session, broadcast, (BroadcastStatus.DRAFT,), values)
    details = {
        "broadcast": broadcast.id,
        "recipients": preview.recipients,
        "send_at": send_at.isoformat() if send_at else "now",
        "needs_approval": needs_approval,
        "estimated_cost": round(preview.cost, 4),
    }
    audit(session, actor_id, "broadcast.send", details, now)
    return broadcast


def approve(
    session: Session, broadcast: Broadcast, actor_id: int | None, settings: Settings, now: datetime
) -> Broadcast:
    """A second staff member's yes: never the author's nor the requester's own."""
    if broadcast.status != BroadcastStatus.AWAITING_APPROVAL:
        raise BroadcastError(_("This broadcast is not waiting for approval."))
    if actor_id is None or actor_id in (broadcast.created_by_id, broadcast.requested_by_id):
        raise BroadcastError(_("Someone other than its author must approve a broadcast."))
    # A chosen time that passed while it waited means: as soon as approved.
    send_at = broadcast.requested_send_at
    if send_at is not None and send_at <= now:
        send_at = None
    values = {"approved_by_id": actor_id, "approved_at": now} | _schedule(send_at, settings, now)
    _move(session, broadcast, (BroadcastStatus.AWAITING_APPROVAL,), values)
    details = {"broadcast": broadcast.id, "recipients": broadcast.requested_count}
    audit(session, actor_id, "broadcast.approve", details, now)
    return broadcast


def undo(session: Session, broadcast: Broadcast, actor_id: int | None, now: datetime) -> None:
    """Back to a draft, before the scheduler starts it (approval has to be given again)."""
    waiting = (BroadcastStatus.AWAITING_APPROVAL, BroadcastStatus.SCHEDULED)
    values = {
        "status": BroadcastStatus.DRAFT,
        "send_at": None,
        "undo_until": None,
        "requested_send_at": None,
        "requested_by_id": None,
        "requested_count": None,
        "approved_by_id": None,
        "approved_at": None,
        "approval_reason": None,
    }
    if not _moved(session, broadcast, waiting, values):
        raise BroadcastError(_("Too late to undo: the broadcast has started. Cancel it instead."))
    audit(session, actor_id, "broadcast.undo", {"broadcast": broadcast.id}, now)


def cancel(session: Session, broadcast: Broadcast, actor_id: int | None, now: datetime) -> int:
    """Stop it for good: no one else gets it; returns how many queued messages were stopped.

    A message the sender has already handed to Twilio still arrives.
    """
    live = (
        BroadcastStatus.DRAFT,
        BroadcastStatus.AWAITING_APPROVAL,
        BroadcastStatus.SCHEDULED,
        BroadcastStatus.SENDING,
    )
    values = {"status": BroadcastStatus.CANCELLED, "cancelled_at": now, "undo_until": None}
    if not _moved(session, broadcast, live, values | {"cancelled_by_id": actor_id}):
        raise BroadcastError(_("This broadcast has finished already."))
    session.execute(
        update(BroadcastRecipient)
        .where(BroadcastRecipient.broadcast_id == broadcast.id)
        .where(BroadcastRecipient.state == RecipientState.WAITING)
        .values(state=RecipientState.CANCELLED)
    )
    queued = select(BroadcastRecipient.outbox_id).where(
        BroadcastRecipient.broadcast_id == broadcast.id,
        BroadcastRecipient.state == RecipientState.QUEUED,
    )
    stopped = stop_pending(session, queued, OutboxKind.BROADCAST, CANCELLED_TEXT, now)
    details = {"broadcast": broadcast.id, "stopped": stopped}
    audit(session, actor_id, "broadcast.cancel", details, now)
    return stopped


def delete_draft(
    session: Session, broadcast: Broadcast, actor_id: int | None, now: datetime
) -> None:
    """Delete a draft for good; a broadcast that was ever asked to go stays (its history)."""
    gone = session.execute(
        delete(Broadcast)
        .where(Broadcast.id == broadcast.id, Broadcast.status == BroadcastStatus.DRAFT)
        .execution_options(synchronize_session=False)
    )
    if rowcount(gone) != 1:
        raise BroadcastError(_("Only a draft can be deleted."))
    session.expunge(broadcast)
    audit(session, actor_id, "broadcast.delete", {"broadcast": broadcast.id}, now)


def live_count(session: Session, broadcast: Broadcast) -> int:
    return segment.count(session, segment.Audience.from_json(broadcast.audience))


def _schedule(send_at: datetime | None, settings: Settings, now: datetime) -> dict[str, Any]:
    undo_until = now + timedelta(seconds=settings.broadcasts.undo_seconds)
    start = max(send_at or now, undo_until)
    return {"status": BroadcastStatus.SCHEDULED, "send_at": start, "undo_until": start}


def _moved(
    session: Session, broadcast: Broadcast, allowed: tuple[str, ...], values: dict[str, Any]
) -> bool:
    result = session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast.id, Broadcast.status.in_(allowed))
        .values(values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(broadcast)
    return rowcount(result) == 1


def _move(
    session: Session, broadcast: Broadcast, allowed: tuple[str, ...], values: dict[str, Any]
) -> None:
    if not _moved(session, broadcast, allowed, values):
        raise BroadcastError(_("Someone changed this broadcast meanwhile: reload the page."))
