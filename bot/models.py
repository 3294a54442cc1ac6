"""The app's tables. Progress lives here; Rasa's tracker holds only dialogue state.

Phone numbers are personal data of people at risk: a learner is looked up by a
keyed hash of the number and the number itself is stored encrypted
(see ``bot.phones``). Nothing here holds a number in clear text.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db import Base, vocabulary
from bot.vocab import (
    ChannelName,
    ErasureStep,
    FailureReason,
    InboundStatus,
    LearnerStatus,
    OutboxKind,
    OutboxStatus,
    ReviewState,
)


def new_public_id() -> str:
    """An opaque learner id: what Rasa, logs and coordinators see instead of a number."""
    return "L" + secrets.token_hex(8)


class Learner(Base):
    __tablename__ = "learner"
    __table_args__ = (
        # The scheduler's due query (bot.messaging.dispatch.due_query): a range scan in slot order.
        Index("ix_learner_due", "status", "next_lesson_at"),
        # The reminder jobs (bot.messaging.reminders): each reads only its candidates.
        Index(
            "ix_learner_question_asked",
            "question_asked_at",
            sqlite_where=text("question_asked_at IS NOT NULL"),
            postgresql_where=text("question_asked_at IS NOT NULL"),
        ),
        Index(
            "ix_learner_silence",
            "last_inbound_at",
            sqlite_where=text("nudged_at IS NULL AND next_lesson_at IS NOT NULL"),
            postgresql_where=text("nudged_at IS NULL AND next_lesson_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True, default=new_public_id)
    phone_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone_encrypted: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[ChannelName] = mapped_column(vocabulary(ChannelName, 16))
    profile_name: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[LearnerStatus] = mapped_column(
        vocabulary(LearnerStatus, 16), default=LearnerStatus.NEW
    )
    consent_at: Mapped[datetime | None] = mapped_column(DateTime)
    course_key: Mapped[str | None] = mapped_column(String(64))
    # Preferred local delivery time "HH:MM" in the learner's time zone.
    delivery_time: Mapped[str | None] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64), default="America/Panama")
    pending_lesson_key: Mapped[str | None] = mapped_column(String(64))
    pending_question_key: Mapped[str | None] = mapped_column(String(64))
    next_lesson_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    # A pause with an end: the learner stays active and ``next_lesson_at`` is the
    # first slot after it (bot.learners.schedule.schedule_next_lesson), so a pause
    # expires by itself. Status PAUSED is a pause with no end ("seguir" ends it).
    paused_until: Mapped[datetime | None] = mapped_column(DateTime)
    # Days of the week a lesson may arrive, local time, Monday first as in
    # ``date.weekday()``: "1111100" is Monday to Friday. Readable in a query.
    delivery_days: Mapped[str] = mapped_column(
        String(7), default="1111111", server_default="1111111"
    )
    # When the last new lesson went to the outbox: at most one a day
    # (a lesson the learner asks for counts too).
    last_lesson_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set when a due lesson found the WhatsApp 24-hour window closed and the
    # template went instead; the learner's next message releases the lesson.
    lesson_waiting_since: Mapped[datetime | None] = mapped_column(DateTime)
    # When the waiting quiz question was sent; cleared once its one gentle
    # reminder is handled (sent, or not needed): see bot.messaging.reminders.
    question_asked_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set when the one "still there?" message went after a long silence: no
    # lesson is scheduled until the learner writes again (bot.learners.schedule).
    nudged_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_inbound_at: Mapped[datetime | None] = mapped_column(DateTime)
    opted_out_at: Mapped[datetime | None] = mapped_column(DateTime)

    inbound: Mapped[list[InboundMessage]] = relationship(
        back_populates="learner", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_reachable(self) -> bool:
        return is_reachable(self.status)


def is_reachable(status: LearnerStatus) -> bool:
    """Whether a learner with this status may be sent anything but an opt-out's confirmation."""
    return status not in (LearnerStatus.OPTED_OUT, LearnerStatus.ERASED)


class InboundMessage(Base):
    """A message a learner sent, stored before anything else happens to it."""

    __tablename__ = "inbound_message"
    __table_args__ = (Index("ix_inbound_learner_status", "learner_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"))
    channel: Mapped[ChannelName] = mapped_column(vocabulary(ChannelName, 16))
    body: Mapped[str | None] = mapped_column(Text)  # purged after the retention period
    num_media: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[InboundStatus] = mapped_column(
        vocabulary(InboundStatus, 16), default=InboundStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    # A WhatsApp tap: the button's or list item's id (ButtonPayload, ListId),
    # and the message it was under (OriginalRepliedMessageSid), if Twilio said.
    # bot.messaging.taps reads them as the text the learner would have typed.
    tap_payload: Mapped[str | None] = mapped_column(String(200))
    tapped_message_sid: Mapped[str | None] = mapped_column(String(64))
    # What Rasa made of it (for `lessonbot chat --json` and statistics).
    intent: Mapped[str | None] = mapped_column(String(64))
    intent_confidence: Mapped[float | None] = mapped_column()

    learner: Mapped[Learner] = relationship(back_populates="inbound")


class OutboxMessage(Base):
    """A message to send, written once per idempotency key."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "next_attempt_at", "id"),
        # The sender's claim (bot.messaging.outbox.claim_batch): the oldest pending rows,
        # read in id order from here and stopping at the batch's end, however long the
        # outbox's history.
        Index("ix_outbox_status_id", "status", "id"),
        # Coordinator statistics (bot.dashboard): messages per learner, and per day.
        Index(
            "ix_outbox_learner_stats", "learner_id", "created_at", "status", "sent_at", "segments"
        ),
        Index(
            "ix_outbox_created_status", "created_at", "status", "learner_id", "sent_at", "segments"
        ),
        # The window fallback (bot.messaging.templates): fresh "window closed" failures only.
        Index(
            "ix_outbox_window_closed",
            "status_updated_at",
            sqlite_where=text("failure_reason = 'window_closed'"),
            postgresql_where=text("failure_reason = 'window_closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    inbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_message.id", ondelete="SET NULL")
    )
    kind: Mapped[OutboxKind] = mapped_column(vocabulary(OutboxKind, 32), default=OutboxKind.REPLY)
    body: Mapped[str | None] = mapped_column(Text)
    options: Mapped[list[str] | None] = mapped_column(JSON)
    # WhatsApp only (bot.text.choices): short button titles for the options
    # ("" where the option's text is the title), and a keyword menu's
    # [keyword, what it does] pairs, tapped instead of typed.
    buttons: Mapped[list[str] | None] = mapped_column(JSON)
    keywords: Mapped[list[list[str]] | None] = mapped_column(JSON)
    # The buttons or list it was sent with (bot.text.choices.Choice.key), set
    # by the sender: a tap names it, whatever the learner's language is now.
    choice_key: Mapped[str | None] = mapped_column(String(16))
    # Twilio Content API template for WhatsApp outside the 24-hour window.
    content_sid: Mapped[str | None] = mapped_column(String(64))
    content_variables: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Send on this channel instead of the learner's: a broadcast falls back to
    # SMS for a WhatsApp learner whose 24-hour window is closed. None: the learner's.
    channel: Mapped[ChannelName | None] = mapped_column(vocabulary(ChannelName, 16))
    # True only for the confirmations of STOP and erasure and the reply to START:
    # the sender drops every other row of a learner who is opted out or erased.
    allow_when_opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[OutboxStatus] = mapped_column(
        vocabulary(OutboxStatus, 16), default=OutboxStatus.PENDING
    )
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Why a failed or undelivered message will not arrive, in the app's words;
    # the provider's own code and text are kept beside it for staff to look up.
    failure_reason: Mapped[FailureReason | None] = mapped_column(vocabulary(FailureReason, 24))
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_message: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When the sender first handed the row to the provider without recording
    # the outcome since: set before the send starts, cleared with the outcome.
    # Set on a claimed row, the sender died mid-send: it asks the provider
    # whether it took the message before sending it again (bot.messaging.sender).
    handed_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    status_updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    segments: Mapped[int | None] = mapped_column(Integer)
    encoding: Mapped[str | None] = mapped_column(String(8))

    learner: Mapped[Learner] = relationship()


class Enrollment(Base):
    __tablename__ = "enrollment"
    __table_args__ = (
        UniqueConstraint("learner_id", "course_key"),
        # Coordinator statistics: a course's enrolments in a period.
        Index("ix_enrollment_course", "course_key", "enrolled_at", "learner_id", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"))
    course_key: Mapped[str] = mapped_column(String(64))
    enrolled_at: Mapped[datetime] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Given with the completion message; staff check it with `lessonbot verify`.
    verification_code: Mapped[str | None] = mapped_column(String(16), unique=True)


class LessonDelivery(Base):
    """The first time a lesson went to a learner's outbox (repeats add nothing)."""

    __tablename__ = "lesson_delivery"
    __table_args__ = (
        UniqueConstraint("learner_id", "lesson_key"),
        # Coordinator statistics: a course's funnel, lesson by lesson, read from the
        # index alone (bot.dashboard.queries.lesson_outcomes).
        Index(
            "ix_lesson_delivery_course",
            "course_key",
            "lesson_key",
            "learner_id",
            "delivered_confirmed_at",
            "questions_answered",
            "answered_right",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"))
    course_key: Mapped[str] = mapped_column(String(64))
    lesson_key: Mapped[str] = mapped_column(String(64))
    delivered_at: Mapped[datetime] = mapped_column(DateTime)
    # The outbox row that carried the lesson: its status callbacks tell whether
    # the lesson reached the phone (the coordinators' completion funnel).
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_message.id", ondelete="SET NULL")
    )
    # The lesson's outcomes, kept in the transactions that change them so that the
    # funnel is one grouped read of this table: when the phone confirmed the lesson
    # (its outbox row delivered or read; None otherwise, see
    # bot.messaging.outbox.sync_lesson_receipt), and the learner's first answers to its
    # questions, and how many of them were right (bot.learners.progress.grade_answer).
    delivered_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    questions_answered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    answered_right: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class QuizAttempt(Base):
    """One graded answer. Unique on the inbound message: a replay never grades twice."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (
        Index("ix_quiz_attempt_question", "lesson_key", "question_key"),
        # Coordinator statistics, read from the index alone: item analysis groups
        # first answers by question and option; the funnel, by lesson and learner.
        Index(
            "ix_quiz_attempt_items",
            "attempt_number",
            "lesson_key",
            "question_key",
            "chosen_option",
            "correct",
            "learner_id",
            "answered_at",
        ),
        Index(
            "ix_quiz_attempt_lesson_learner",
            "lesson_key",
            "learner_id",
            "attempt_number",
            "question_key",
            "correct",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"))
    lesson_key: Mapped[str] = mapped_column(String(64))
    question_key: Mapped[str] = mapped_column(String(64))
    chosen_option: Mapped[int] = mapped_column(Integer)  # 1-based, as the learner sees it
    correct: Mapped[bool] = mapped_column(Boolean)
    attempt_number: Mapped[int] = mapped_column(Integer, default=1)
    inbound_message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    answered_at: Mapped[datetime] = mapped_column(DateTime)
    # The spaced review this answer was given on (bot.learners.review); None: not a review.
    review_step: Mapped[int | None] = mapped_column(Integer)


class WhatsAppChoice(Base):
    """Buttons or a list that WhatsApp messages show, and its Content resource at Twilio.

    Written by the sender the first time a message needs it (``content_sid``
    still empty: the message goes as numbered text) and by ``lessonbot
    whatsapp sync``, which creates the resource and records its SID. Holds
    lesson and menu wording only, never a learner's.
    """

    __tablename__ = "whatsapp_choice"

    key: Mapped[str] = mapped_column(String(16), primary_key=True)  # bot.text.choices.Choice.key
    language: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16))
    meaning: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    titles: Mapped[list[str]] = mapped_column(JSON)
    descriptions: Mapped[list[str]] = mapped_column(JSON)
    list_button: Mapped[str] = mapped_column(String(40), default="")
    options_in_body: Mapped[bool] = mapped_column(Boolean, default=False)
    content_sid: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    synced_at: Mapped[datetime | None] = mapped_column(DateTime)


class ReviewItem(Base):
    """A quiz question a learner answered wrong, coming back as a review (bot.learners.review)."""

    __tablename__ = "review_item"
    __table_args__ = (
        # One spaced review per learner and question: a later wrong answer restarts it.
        UniqueConstraint("learner_id", "lesson_key", "question_key"),
        # The scheduler's job reads the due items in order (bot.messaging.reviews).
        Index("ix_review_item_due", "state", "due_at"),
        # Coordinator statistics: recovered items per question.
        Index("ix_review_item_question", "lesson_key", "question_key", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"))
    lesson_key: Mapped[str] = mapped_column(String(64))
    question_key: Mapped[str] = mapped_column(String(64))
    # The review this item is at: 1 (2 days after the wrong answer), 2, 3, ... (7 days after).
    step: Mapped[int] = mapped_column(Integer, default=1)
    state: Mapped[ReviewState] = mapped_column(vocabulary(ReviewState, 16))
    due_at: Mapped[datetime] = mapped_column(DateTime)
    asked_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class ErasureTask(Base):
    """A step of a learner's erasure outside the app's tables, retried until done.

    Written in the erasure's own transaction, so that no step is lost to a
    crash or an outage (``bot.privacy.erasure_tasks`` runs them).
    """

    __tablename__ = "erasure_task"
    __table_args__ = (
        UniqueConstraint("learner_id", "step"),
        Index("ix_erasure_task_due", "done_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"))
    step: Mapped[ErasureStep] = mapped_column(vocabulary(ErasureStep, 32))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
