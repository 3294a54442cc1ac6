"""The retention purge: message texts are deleted after ``app.message_retention_days``.

Everywhere they are kept: the app's inbound messages, the outbox (texts,
options and a template's variables), and Rasa's tracker store, where every
event older than the period goes whole (a learner's words, the bot's replies,
the MessageSid and the intents read from them). A conversation that loses its
old events loses nothing the dialogue needs: a session ends after 12 hours
without a message and the next one starts with the slots carried over, and a
tracker that lost everything heals on the next message (nlu/data/rules.yml,
``onboarded``). Counts, statuses and costs stay for the statistics. A message
still waiting (an inbound not yet run through Rasa, an outbox row not yet
sent) keeps its text until it is done. The scheduler runs this every hour.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.db import rowcount
from bot.messaging import outbox
from bot.messaging.tracker_store import TrackerStore
from bot.models import InboundMessage
from bot.settings import Settings
from bot.vocab import InboundStatus


def retention_cutoff(settings: Settings, now: datetime) -> datetime:
    """Texts from before this moment are past the retention period."""
    return now - timedelta(days=settings.app.message_retention_days)


def purge_message_bodies(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Delete the app's message texts older than the retention period; counts and statuses stay."""
    cutoff = retention_cutoff(settings, now)
    inbound = session.execute(
        update(InboundMessage)
        .where(
            InboundMessage.received_at < cutoff,
            InboundMessage.body.is_not(None) | InboundMessage.tap_payload.is_not(None),
        )
        .where(InboundMessage.status != InboundStatus.PENDING)
        # A tap's id names the option chosen, as its text (the title) does.
        .values(body=None, tap_payload=None, tapped_message_sid=None)
    )
    return {
        "inbound_purged": rowcount(inbound),
        "outbound_purged": outbox.purge_texts(session, cutoff),
    }


def purge_tracker_events(
    tracker: TrackerStore, settings: Settings, now: datetime
) -> dict[str, int]:
    """Delete Rasa's tracker events older than the retention period.

    A turn running just now for a learner whose whole session is older may
    write that session's events back (Rasa saves what it loaded but cannot
    find stored); the next hourly run deletes them again.
    """
    return {"tracker_events_purged": tracker.delete_events_before(retention_cutoff(settings, now))}
