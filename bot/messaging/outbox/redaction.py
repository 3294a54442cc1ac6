"""Message texts leave the outbox: on a learner's erasure, and when the retention period ends.

Counts, statuses and costs stay (the statistics need them); the texts go. A
row still waiting for the sender keeps its text: the sender drops it for an
erased learner, except the confirmation of the erasure itself.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, String, cast, literal, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.db import rowcount
from bot.models import OutboxMessage
from bot.vocab import OutboxStatus

# What replaces a provider's message id once the provider has deleted the message.
ERASED_SID_PREFIX = "erased:"


def erased_id(row_id: InstrumentedAttribute[int]) -> ColumnElement[str]:
    """``erased:<row id>``: unique, as the id columns must be, and naming nothing outside."""
    return literal(ERASED_SID_PREFIX) + cast(row_id, String)


# Everything of a row that says what the message said: its text, options,
# WhatsApp titles and keywords, the buttons' key and a template's variables.
TEXT_COLUMNS = ("body", "options", "buttons", "keywords", "choice_key", "content_variables")
EMPTIED_TEXTS = dict.fromkeys(TEXT_COLUMNS)


def erase_texts(session: Session, learner_id: int) -> int:
    """Delete the texts of the learner's rows that have left the outbox; how many."""
    return rowcount(
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.learner_id == learner_id)
            .where(OutboxMessage.status != OutboxStatus.PENDING)
            .where(OutboxMessage.body.is_not(None) | OutboxMessage.content_variables.is_not(None))
            .values(EMPTIED_TEXTS)
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
            .values(EMPTIED_TEXTS)
        )
    )


def forget_provider_ids(session: Session, learner_id: int, deleted: list[int]) -> None:
    """Drop the provider's ids of an erased learner's rows once it deleted the messages.

    ``deleted``: the rows whose message the provider no longer holds. The
    idempotency keys are "<inbound MessageSid>:<n>" and the like; no message
    of this learner will be written again, so every settled row's key goes too.
    """
    if deleted:
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id.in_(deleted)).values(provider_sid=None)
        )
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.learner_id == learner_id,
            OutboxMessage.status != OutboxStatus.PENDING,
            OutboxMessage.idempotency_key.not_like(f"{ERASED_SID_PREFIX}%"),
        )
        .values(idempotency_key=erased_id(OutboxMessage.id))
    )
