"""A broadcast, who it goes to, and how far it has got.

A broadcast is written in a base language plus translations (``texts``: one
text per language code) and targets a segment (``audience``: the filters, as
``bot.broadcasts.audience.Audience`` stores them). When it starts sending, the
learners the segment selects at that moment are copied into
``BroadcastRecipient`` (the snapshot), and from there fed into the outbox a
little ahead of the sender (see ``bot.broadcasts.queueing``). Each outbox row's
idempotency key is ``broadcast:{id}:{learner public id}``: one message per
recipient per broadcast, whatever crashes in between.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot import models as _app_models  # noqa: F401  (recipients refer to learner and outbox)
from bot.db import Base, vocabulary
from bot.staff import models as _staff_models  # noqa: F401  (authors are staff users)
from bot.vocab import ChannelName


class BroadcastStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"  # above the threshold: a second person must approve
    SCHEDULED = "scheduled"  # approved or not needing approval; undoable until it starts
    SENDING = "sending"  # recipients fixed; rows are being fed to the outbox
    SENT = "sent"  # every recipient's message has left the outbox (or was skipped)
    CANCELLED = "cancelled"


class RecipientState(StrEnum):
    WAITING = "waiting"  # not in the outbox yet (the feed is ahead, or quiet hours)
    QUEUED = "queued"  # has its outbox row; the row's status says the rest
    SKIPPED = "skipped"  # never sent: see ``reason``
    CANCELLED = "cancelled"  # the broadcast was cancelled before this one was queued


class Route(StrEnum):
    """How one recipient's message goes."""

    SMS = ChannelName.SMS.value
    WHATSAPP = ChannelName.WHATSAPP.value  # free text inside the 24-hour window
    WHATSAPP_TEMPLATE = "whatsapp_template"  # the approved template, window closed
    SMS_FALLBACK = "sms_fallback"  # window closed, no template: by SMS instead
    NONE = "none"  # window closed, neither template nor fallback configured


class SkipReason(StrEnum):
    WINDOW_CLOSED = "whatsapp_window_closed"  # Route.NONE
    UNREACHABLE = "unreachable"  # opted out or erased after the snapshot
    NO_TEXT = "no_text"  # the learner's language changed to one with no text


class Broadcast(Base):
    __tablename__ = "broadcast"
    __table_args__ = (Index("ix_broadcast_status_send_at", "status", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[BroadcastStatus] = mapped_column(
        vocabulary(BroadcastStatus, 20), default=BroadcastStatus.DRAFT
    )
    base_language: Mapped[str] = mapped_column(String(8))
    # {"es": "...", "en": "..."}: one text per learner language; absent = not translated.
    texts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Learners whose language has no text get this one; None: sending is blocked.
    fallback_language: Mapped[str | None] = mapped_column(String(8))
    # {"es": "amiga, amigo"}: {first_name} where the learner's name is not known.
    name_fallbacks: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    audience: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # What the author asked for when they pressed "send": None = now.
    requested_send_at: Mapped[datetime | None] = mapped_column(DateTime)
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    requested_count: Mapped[int | None] = mapped_column(Integer)
    approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When the email that asks for its approval went out (bot.broadcasts.approval_email);
    # cleared each time it comes to wait for approval, so each wait asks once.
    approval_emailed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When the scheduler starts it: the later of the chosen time and the undo window's end.
    send_at: Mapped[datetime | None] = mapped_column(DateTime)
    undo_until: Mapped[datetime | None] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    recipient_count: Mapped[int | None] = mapped_column(Integer)  # the snapshot's size
    # Why it waits for approval, when the bare count is not why: the author's other
    # broadcasts that day, or the scheduler found more recipients than were approved
    # ({"reason": ..., "recipients": n, ...}; bot.broadcasts.approval writes it).
    approval_reason: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)

    @property
    def key_prefix(self) -> str:
        return f"broadcast:{self.id}:"


class BroadcastRecipient(Base):
    """One learner a broadcast goes to, fixed when it starts sending."""

    __tablename__ = "broadcast_recipient"
    __table_args__ = (
        # The feed's scan: a broadcast's waiting recipients in learner order.
        Index("ix_broadcast_recipient_state", "broadcast_id", "state", "learner_id"),
    )

    broadcast_id: Mapped[int] = mapped_column(
        ForeignKey("broadcast.id", ondelete="CASCADE"), primary_key=True
    )
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[RecipientState] = mapped_column(
        vocabulary(RecipientState, 16), default=RecipientState.WAITING
    )
    route: Mapped[Route | None] = mapped_column(vocabulary(Route, 20))
    language: Mapped[str | None] = mapped_column(String(8))  # the text's language
    reason: Mapped[SkipReason | None] = mapped_column(vocabulary(SkipReason, 32))
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL"), index=True
    )
    queued_at: Mapped[datetime | None] = mapped_column(DateTime)
