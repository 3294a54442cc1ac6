"""Message texts leave the outbox: on a learner's erasure, and when the retention period ends.

Counts, statuses and costs stay (the statistics need them); the texts go. A
row still waiting for the sender keeps its text: the sender drops it for an
erased learner, except the confirmation of the erasure itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.db import rowcount
from bot.models import OutboxMessage
from bot.vocab import OutboxStatus


def erase_texts(session: Session, learner_id: int) -> int:
    """Delete the texts of the learner's rows that have left the outbox; how many."""
    return rowcount(
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.learner_id == learner_id)
            .where(OutboxMessage.status != OutboxStatus.PENDING)
            .where(OutboxMessage.body.is_not(None) | OutboxMessage.content_variables.is_not(None))
            .values(body=None, options=None, content_variables=None)
        )
    )


def purge_texts(session: Session, cutoff: datetime) -> int:
    """Delete the texts of rows written before ``cutoff`` that have left the outbox; how many."""
    return rowcount(
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.created_at < cutoff)
            .where(OutboxMessage.body.is_not(None) | OutboxMessage.content_variables.is_not(None))
            .where(OutboxMessage.status != OutboxStatus.PENDING)
            # A template's variables are its text (a broadcast's announcement).
            .values(body=None, options=None, content_variables=None)
        )
    )
