"""Erase a learner's data when they ask for it ("BORRAR", "DELETE").

What is left is a tombstone: the row (so that foreign keys and statistics of
message counts hold), its opaque id, the channel and the encrypted number. The
number is kept only until the confirmation of the erasure has been sent; the
sender wipes it then (see docs/CONTRACTS.md, "After an erasure turn"). The
learner's Rasa tracker is deleted by the worker after the turn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from bot.broadcasts.models import BroadcastRecipient
from bot.db import rowcount
from bot.models import (
    Enrollment,
    InboundMessage,
    Learner,
    LessonDelivery,
    OutboxMessage,
    QuizAttempt,
)
from bot.staff.models import LearnerTag
from bot.vocab import LearnerStatus, OutboxStatus

DEFAULT_TIMEZONE = "America/Panama"
EVERY_DAY = "1111111"


@dataclass(frozen=True)
class ErasureSummary:
    quiz_attempts: int
    lesson_deliveries: int
    enrollments: int
    inbound_bodies: int
    outbox_bodies: int


def erase_learner(session: Session, learner: Learner, now: datetime) -> ErasureSummary:
    """Delete the learner's progress, message texts and personal fields; do not commit."""
    owned = {"learner_id": learner.id}
    attempts = rowcount(session.execute(delete(QuizAttempt).filter_by(**owned)))
    deliveries = rowcount(session.execute(delete(LessonDelivery).filter_by(**owned)))
    enrollments = rowcount(session.execute(delete(Enrollment).filter_by(**owned)))
    # Tags say where a person trained (a site, a cohort), and a broadcast's
    # recipient list which announcements reached them, in which language:
    # theirs to erase too.
    session.execute(delete(LearnerTag).filter_by(**owned))
    session.execute(delete(BroadcastRecipient).filter_by(**owned))
    inbound = rowcount(
        session.execute(
            update(InboundMessage)
            .filter_by(**owned)
            .where(InboundMessage.body.is_not(None))
            .values(body=None)
        )
    )
    # Messages still waiting for the sender keep their text: the sender drops
    # them for an erased learner, except the confirmation of this erasure.
    outbox = rowcount(
        session.execute(
            update(OutboxMessage)
            .filter_by(**owned)
            .where(OutboxMessage.status != OutboxStatus.PENDING)
            .where(OutboxMessage.body.is_not(None))
            .values(body=None, options=None, content_variables=None)
        )
    )

    learner.status = LearnerStatus.ERASED
    learner.phone_hash = None  # the number can no longer find this row
    learner.profile_name = None
    learner.language = None
    learner.consent_at = None
    learner.course_key = None
    learner.delivery_time = None
    learner.timezone = DEFAULT_TIMEZONE  # it may have been inferred from the number
    learner.pending_lesson_key = None
    learner.pending_question_key = None
    learner.next_lesson_at = None
    learner.paused_until = None
    learner.delivery_days = EVERY_DAY
    learner.last_lesson_at = None
    learner.lesson_waiting_since = None
    learner.last_inbound_at = None
    learner.opted_out_at = now
    session.flush()
    return ErasureSummary(attempts, deliveries, enrollments, inbound, outbox)
