"""What a conversation page shows: the learner's and the bot's recent messages.

Texts only within the retention period (older bodies are purged anyway),
the newest ``LIMIT`` of them, oldest first; never the learner's number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import InboundMessage, OutboxMessage
from bot.vocab import OutboxKind

LIMIT = 50


@dataclass(frozen=True)
class Line:
    at: datetime
    author: str  # "learner", "bot" or "staff"
    text: str
    status: str | None  # an outgoing message's delivery status


def recent_messages(
    session: Session, learner_id: int, now: datetime, retention_days: int, limit: int = LIMIT
) -> list[Line]:
    """The newest ``limit`` messages both ways within retention, oldest first."""
    since = now - timedelta(days=retention_days)
    inbound = session.execute(
        select(InboundMessage.received_at, InboundMessage.body)
        .where(InboundMessage.learner_id == learner_id, InboundMessage.received_at >= since)
        .where(InboundMessage.body.is_not(None))
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(limit)
    ).all()
    outbound = session.execute(
        select(
            OutboxMessage.created_at, OutboxMessage.body, OutboxMessage.kind, OutboxMessage.status
        )
        .where(OutboxMessage.learner_id == learner_id, OutboxMessage.created_at >= since)
        .where(OutboxMessage.body.is_not(None))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    ).all()
    lines = [Line(at, "learner", body or "", None) for at, body in inbound]
    lines += [
        Line(at, "staff" if kind == OutboxKind.STAFF_REPLY else "bot", body or "", str(status))
        for at, body, kind, status in outbound
    ]
    # Stable: a learner's message and the bot's answer at the same instant keep that order.
    lines.sort(key=lambda line: (line.at, line.author != "learner"))
    return lines[-limit:]
