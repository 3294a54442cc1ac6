"""The retention purge: message texts are deleted after ``app.message_retention_days``.

Counts, statuses and costs stay for the statistics; only the texts go. A
message still waiting (an inbound not yet run through Rasa, an outbox row not
yet sent) keeps its text until it is done. The scheduler runs this every hour.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.db import rowcount
from bot.messaging import outbox
from bot.models import InboundMessage
from bot.settings import Settings
from bot.vocab import InboundStatus


def purge_message_bodies(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Delete message texts older than the retention period; counts and statuses stay."""
    cutoff = now - timedelta(days=settings.app.message_retention_days)
    inbound = session.execute(
        update(InboundMessage)
        .where(InboundMessage.received_at < cutoff, InboundMessage.body.is_not(None))
        .where(InboundMessage.status != InboundStatus.PENDING)
        .values(body=None)
    )
    return {
        "inbound_purged": rowcount(inbound),
        "outbound_purged": outbox.purge_texts(session, cutoff),
    }
