"""Erase a learner's data when they ask for it ("BORRAR", "DELETE").

What is left is a tombstone (``bot.learners.lifecycle.mark_erased``): the row
(so that foreign keys and statistics of message counts hold), its opaque id,
the channel and the encrypted number. The number is kept only until the
confirmation of the erasure has been sent; the sender wipes it then (see
docs/CONTRACTS.md, "After an erasure turn"). The audit log's mentions of the
learner's opaque id become "erased". What lies outside the app's tables (the
conversation in Rasa's tracker store, the messages Twilio keeps, and then
their ids here) is done by ``bot.privacy.erasure_tasks``, retried until done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from bot.broadcasts.models import BroadcastRecipient
from bot.db import rowcount
from bot.inbox import conversations
from bot.learners import lifecycle, progress, review
from bot.messaging import outbox
from bot.models import InboundMessage, Learner
from bot.privacy.erasure_tasks import schedule_erasure_tasks
from bot.staff.accounts import forget_learner_in_audit
from bot.staff.models import JoinCodeUse, LearnerTag


@dataclass(frozen=True)
class ErasureSummary:
    quiz_attempts: int
    lesson_deliveries: int
    enrollments: int
    inbound_bodies: int
    outbox_bodies: int
    conversations: int


def erase_learner(session: Session, learner: Learner, now: datetime) -> ErasureSummary:
    """Delete the learner's progress, message texts and personal fields; do not commit."""
    forgotten = progress.forget(session, learner)
    review.forget(session, learner)
    # Tags say where a person trained (a site, a cohort), and a broadcast's
    # recipient list which announcements reached them, in which language:
    # theirs to erase too.
    session.execute(delete(LearnerTag).filter_by(learner_id=learner.id))
    session.execute(delete(JoinCodeUse).filter_by(learner_id=learner.id))
    session.execute(delete(BroadcastRecipient).filter_by(learner_id=learner.id))
    # Hand-offs to staff: the rows go; their texts (the learner's messages and
    # staff replies, outbox rows of kind staff_reply) are emptied below with the rest.
    handed_off = conversations.forget(session, learner.id)
    inbound = rowcount(
        session.execute(
            update(InboundMessage)
            .filter_by(learner_id=learner.id)
            .where(InboundMessage.body.is_not(None) | InboundMessage.tap_payload.is_not(None))
            # A tap's id names the option chosen, as its text (the title) does.
            .values(body=None, tap_payload=None, tapped_message_sid=None)
        )
    )
    # Messages still waiting for the sender keep their text: the sender drops
    # them for an erased learner, except the confirmation of this erasure.
    texts = outbox.erase_texts(session, learner.id)
    forget_learner_in_audit(session, learner.public_id)
    schedule_erasure_tasks(session, learner, now)
    lifecycle.mark_erased(learner, now)
    session.flush()
    return ErasureSummary(
        forgotten.quiz_attempts,
        forgotten.lesson_deliveries,
        forgotten.enrollments,
        inbound,
        texts,
        handed_off,
    )
