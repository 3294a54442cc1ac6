"""Job bodies: short module-level functions that take ``now`` and return a summary."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.db import rowcount
from bot.models import InboundMessage, OutboxMessage
from bot.settings import Settings
from bot.vocab import OutboxStatus


def purge_message_bodies(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Delete message texts older than the retention period; counts and statuses stay."""
    cutoff = now - timedelta(days=settings.app.message_retention_days)
    inbound = session.execute(
        update(InboundMessage)
        .where(InboundMessage.received_at < cutoff, InboundMessage.body.is_not(None))
        .where(InboundMessage.status != "pending")
        .values(body=None)
    )
    outbound = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.created_at < cutoff, OutboxMessage.body.is_not(None))
        .where(OutboxMessage.status != OutboxStatus.PENDING)
        .values(body=None, options=None)
    )
    return {"inbound_purged": rowcount(inbound), "outbound_purged": rowcount(outbound)}
