"""The inbox list's pages: the waiting longest first, then the answered oldest first, any page."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.inbox import listing
from bot.inbox.models import Conversation, ConversationStatus, OpenedBy
from bot.models import Learner
from bot.vocab import ChannelName

NOW = datetime(2026, 3, 2, 15, 0)


def seed(session) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Open conversations named by how they should be listed; one closed, never listed."""
    plan = {
        # name: (minutes ago opened, minutes ago waiting from, or None when answered)
        "w1": (50, 40),
        "w2": (10, 30),
        "w3": (60, 20),
        "a1": (90, None),
        "a2": (80, None),
        "a3": (70, None),
        "closed": (100, 100),
    }
    ids = {}
    for name, (opened, waiting) in plan.items():
        learner = Learner(channel=ChannelName.SMS, public_id=f"L{name}", created_at=NOW)
        session.add(learner)
        session.flush()
        row = Conversation(
            learner_id=learner.id,
            status=ConversationStatus.CLOSED if name == "closed" else ConversationStatus.OPEN,
            opened_by=OpenedBy.LEARNER,
            opened_at=NOW - timedelta(minutes=opened),
            opened_in_office_hours=True,
            waiting_since=None if waiting is None else NOW - timedelta(minutes=waiting),
        )
        session.add(row)
        session.flush()
        ids[name] = row.id
    session.commit()
    return ids


def listed(session, limit: int, offset: int) -> list[str]:  # type: ignore[no-untyped-def]
    rows = listing.open_conversations(session, NOW, limit=limit, offset=offset)
    return [row.learner[1:] for row in rows]


def test_every_page_follows_one_order_across_waiting_and_answered(db_session) -> None:
    seed(db_session)
    order = ["w1", "w2", "w3", "a1", "a2", "a3"]

    assert listed(db_session, 50, 0) == order
    for limit in (1, 2, 4):
        pages = [listed(db_session, limit, offset) for offset in range(0, 8, limit)]
        assert [name for page in pages for name in page] == order, limit
    assert listed(db_session, 2, 4) == ["a2", "a3"]
    assert listed(db_session, 2, 6) == []
