"""One row per hand-off: a learner's conversation with staff, open until staff close it.

The texts are not copied here: the learner's messages stay in
``inbound_message`` and staff replies are outbox rows (kind ``staff_reply``),
so retention and erasure already cover them. This row holds only state and
times, which is what the inbox list sorts and counts on.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, vocabulary
from bot.models import Learner
from bot.staff import models as _staff_models  # noqa: F401  (assigned_to refers to staff_user)


class ConversationStatus(StrEnum):
    OPEN = "open"  # the bot steps aside; the learner's messages wait for staff
    CLOSED = "closed"  # staff closed it; the bot is back once ``resumed_at`` is set


class OpenedBy(StrEnum):
    LEARNER = "learner"  # asked for a person (in words, or a keyword)
    OFFER = "offer"  # accepted the offer after messages the bot did not understand


class Conversation(Base):
    __tablename__ = "conversation"
    __table_args__ = (
        # At most one open conversation per learner: opening twice is a no-op.
        Index(
            "uq_conversation_open_learner",
            "learner_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        # The badge: open conversations whose learner waits.
        Index("ix_conversation_waiting", "status", "waiting_since"),
        # The inbox list (bot.inbox.listing), read in page order: the waiting
        # ones longest first, then the answered ones oldest first (migration 0008).
        Index(
            "ix_conversation_inbox",
            "waiting_since",
            "opened_at",
            "id",
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        # Before each turn the worker looks for the learner's conversation not
        # yet handed back to the bot (open, or closed and not resumed), and the
        # hand-back job for all of those: few rows, however many are closed.
        Index(
            "ix_conversation_not_resumed",
            "learner_id",
            sqlite_where=text("resumed_at IS NULL"),
            postgresql_where=text("resumed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"))
    status: Mapped[ConversationStatus] = mapped_column(
        vocabulary(ConversationStatus, 16), default=ConversationStatus.OPEN
    )
    opened_by: Mapped[OpenedBy] = mapped_column(vocabulary(OpenedBy, 16))
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    opened_in_office_hours: Mapped[bool] = mapped_column(Boolean)
    # Since when the learner waits for a staff answer; None once staff answered
    # their latest message. The inbox is ordered by it.
    waiting_since: Mapped[datetime | None] = mapped_column(DateTime)
    last_learner_message_at: Mapped[datetime | None] = mapped_column(DateTime)
    first_answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    assigned_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    closed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )
    # Set when Rasa has been told that the conversation is back with the bot
    # (the hand-off slot cleared, the learner told). A closed conversation
    # without it is still to be handed back.
    resumed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set once the "a conversation opened" email went out (settings inbox.notify_email);
    # a job sends it outside any learner's turn and tries again until it is set.
    notified_at: Mapped[datetime | None] = mapped_column(DateTime)
    # A short note for staff of why it opened ("asked", "keyword", "offer").
    note: Mapped[str | None] = mapped_column(String(40))

    learner: Mapped[Learner] = relationship()

    @property
    def is_open(self) -> bool:
        return self.status == ConversationStatus.OPEN
