"""The app's vocabularies: every status, kind and reason a row may hold, in one place.

Each is a ``StrEnum`` stored as its plain string value (see ``bot.db.enum_column``),
so the database reads "active" while the code compares ``LearnerStatus.ACTIVE``.
The channel names and the language list are defined in ``bot.text`` (a leaf that
the lessons use too) and named here with the rest.
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType

from bot.text.languages import LANGUAGES
from bot.text.render import ChannelName

__all__ = [
    "LANGUAGES",
    "ChannelName",
    "ErasureStep",
    "FailureReason",
    "InboundStatus",
    "LearnerStatus",
    "OutboxKind",
    "OutboxStatus",
]


class LearnerStatus(StrEnum):
    NEW = "new"  # has written, has not finished onboarding
    ACTIVE = "active"
    PAUSED = "paused"  # a pause with no end (a pause with an end keeps ACTIVE: paused_until)
    OPTED_OUT = "opted_out"  # said STOP, or the provider reported that they had
    ERASED = "erased"  # asked to delete their data; only a tombstone is left


class ErasureStep(StrEnum):
    """What an erasure leaves to do outside the app's tables (``bot.privacy.erasure_tasks``)."""

    RASA_TRACKER = "rasa_tracker"  # the conversation in Rasa's tracker store
    PROVIDER_MESSAGES = "provider_messages"  # the messages kept by the provider, then their ids


class ReviewState(StrEnum):
    """Where a question answered wrong is in its spaced review (bot.learners.review)."""

    DUE = "due"  # waits for its due_at
    ASKED = "asked"  # the review question went; its answer is awaited
    RECOVERED = "recovered"  # answered right on a review
    DROPPED = "dropped"  # wrong on every review, or the learner or the question is gone


class InboundStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"  # gave up after the configured attempts; kept for staff to see


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for the sender
    QUEUED = "queued"  # accepted by the provider
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    UNDELIVERED = "undelivered"

    @property
    def rank(self) -> int:
        """How far along a message is: a status only ever moves to a higher rank."""
        return _OUTBOX_RANK[self]

    def behind(self) -> tuple[OutboxStatus, ...]:
        """The statuses a message may move from to reach this one."""
        return tuple(status for status in OutboxStatus if status.rank < self.rank)


_OUTBOX_RANK = MappingProxyType(
    {
        OutboxStatus.PENDING: 0,
        OutboxStatus.QUEUED: 1,
        OutboxStatus.SENT: 2,
        OutboxStatus.DELIVERED: 3,
        OutboxStatus.READ: 4,
        OutboxStatus.FAILED: 5,
        OutboxStatus.UNDELIVERED: 5,
    }
)
# The statuses after which the phone either has the message or never will.
NOT_RECEIVED = (OutboxStatus.FAILED, OutboxStatus.UNDELIVERED)
RECEIVED = (OutboxStatus.DELIVERED, OutboxStatus.READ)


class OutboxKind(StrEnum):
    """What an outbox row carries (docs/CONTRACTS.md)."""

    # Written by the custom actions (the payload's "kind").
    REPLY = "reply"
    LESSON = "lesson"
    QUIZ = "quiz"
    FEEDBACK = "feedback"
    OPT_OUT = "opt_out"
    ERASURE = "erasure"
    # Written by the scheduler's jobs and the broadcasts.
    WINDOW_TEMPLATE = "window_template"
    REMINDER = "reminder"
    BROADCAST = "broadcast"
    # Written by the worker when a message waits or fails (bot.messaging.notices).
    HOLDING = "holding"  # the one "still working on it" of an outage
    FAILURE_NOTICE = "failure_notice"  # the message could not be handled
    # Written by staff from the inbox (bot.inbox.conversations).
    STAFF_REPLY = "staff_reply"


# A lesson's rows: the lesson's text and its quiz question.
LESSON_KINDS = (OutboxKind.LESSON, OutboxKind.QUIZ)


class FailureReason(StrEnum):
    """Why a message will never arrive, in the app's words (the channel maps its codes here)."""

    OPTED_OUT = "opted_out"  # the recipient told the provider STOP
    WINDOW_CLOSED = "window_closed"  # WhatsApp: no free text 24 h after the learner's last message
    INVALID_NUMBER = "invalid_number"
    UNREACHABLE = "unreachable"  # phone off, unknown or inactive number, landline
    BLOCKED = "blocked"  # blocked by the recipient or filtered by the carrier
    RATE_LIMITED = "rate_limited"  # still refused for too many messages after every retry
    PROVIDER_ERROR = "provider_error"  # the provider or the carrier failed (5xx, timeouts)
    REFUSED = "refused"  # the provider refused the request for another reason
    # Decided in the app, before any send.
    LEARNER_LEFT = "learner_left"  # opted out or erased before their turn
    NO_ADDRESS = "no_address"  # no number, or nothing to send
    CANCELLED = "cancelled"  # staff cancelled the broadcast
    NOT_PREPARED = "not_prepared"  # could not be rendered or addressed: a bug or a missing file
