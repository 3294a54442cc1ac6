"""Hand-offs to staff under retention and erasure: their texts go like every message's."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.inbox import conversations
from bot.inbox.models import Conversation, OpenedBy
from bot.messaging.outbox.outcomes import suppress
from bot.models import InboundMessage, Learner, OutboxMessage
from bot.privacy.erasure import erase_learner
from bot.privacy.retention import purge_message_bodies
from bot.settings import Settings
from bot.staff.models import AuditLog
from bot.vocab import ChannelName, InboundStatus, LearnerStatus, OutboxKind, OutboxStatus

NOW = datetime(2026, 6, 1, 12, 0)
OLD = NOW - timedelta(days=91)
RECENT = NOW - timedelta(days=2)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_overrides({"app.message_retention_days": 90})


def learner_in_hand_off(session, settings, at: datetime, public_id: str) -> Learner:  # type: ignore[no-untyped-def]
    """A learner who asked for a person at ``at`` and got one staff reply, delivered."""
    learner = Learner(
        channel=ChannelName.SMS,
        public_id=public_id,
        phone_hash=public_id.ljust(64, "h"),
        phone_encrypted="token",
        status=LearnerStatus.ACTIVE,
        language="es",
        created_at=at,
        last_inbound_at=at,
    )
    session.add(learner)
    session.flush()
    session.add(
        InboundMessage(message_sid=f"SM{public_id}", learner_id=learner.id, channel="sms",
                       body="mi patrón no me paga", received_at=at, status=InboundStatus.DONE)
    )  # fmt: skip
    opened = conversations.open_for_learner(session, learner.id, OpenedBy.LEARNER, at, settings)
    conversations.reply(
        session, opened.conversation.id, None, "Le llamamos mañana, Ana.", f"t{public_id}", at
    )
    for row in session.scalars(select(OutboxMessage).filter_by(learner_id=learner.id)):
        row.status = OutboxStatus.DELIVERED
    session.flush()
    return learner


def staff_reply_texts(session, learner_id: int | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    query = select(OutboxMessage.body).where(
        OutboxMessage.kind == OutboxKind.STAFF_REPLY, OutboxMessage.body.is_not(None)
    )
    if learner_id is not None:
        query = query.where(OutboxMessage.learner_id == learner_id)
    return list(session.scalars(query))


def test_the_purge_leaves_no_staff_reply_text_older_than_the_retention(
    db_session, settings
) -> None:
    learner_in_hand_off(db_session, settings, OLD, "Lold0000000000001")
    recent = learner_in_hand_off(db_session, settings, RECENT, "Lnew0000000000001")

    summary = purge_message_bodies(db_session, settings, NOW)

    old_texts = db_session.scalars(
        select(OutboxMessage.body).where(
            OutboxMessage.kind == OutboxKind.STAFF_REPLY,
            OutboxMessage.created_at < NOW - timedelta(days=90),
            OutboxMessage.body.is_not(None),
        )
    ).all()
    assert old_texts == []
    assert staff_reply_texts(db_session) == ["Le llamamos mañana, Ana."]  # the recent one
    assert staff_reply_texts(db_session, recent.id) == ["Le llamamos mañana, Ana."]
    inbound = dict(
        db_session.execute(select(InboundMessage.message_sid, InboundMessage.body)).all()
    )
    assert inbound == {"SMLold0000000000001": None, "SMLnew0000000000001": "mi patrón no me paga"}
    assert summary["outbound_purged"] == 1


def test_an_erasure_leaves_no_conversation_and_no_reply_text_of_the_learner(
    db_session, settings
) -> None:
    ana = learner_in_hand_off(db_session, settings, RECENT, "Lana0000000000001")
    ben = learner_in_hand_off(db_session, settings, RECENT, "Lben0000000000001")
    # Ana's first hand-off, closed, and a second reply still waiting for the sender.
    first = db_session.scalars(select(Conversation).filter_by(learner_id=ana.id)).one()
    conversations.close(db_session, first.id, None, RECENT)
    again = conversations.open_for_learner(db_session, ana.id, OpenedBy.OFFER, NOW, settings)
    conversations.reply(db_session, again.conversation.id, None, "¿Sigue ahí, Ana?", "t2", NOW)
    db_session.commit()
    ana_pseudonym = ana.public_id

    erase_learner(db_session, ana, NOW)
    db_session.commit()

    assert db_session.scalars(select(Conversation.learner_id)).all() == [ben.id]
    # The waiting reply keeps its text only until the sender meets it: it drops it.
    waiting = db_session.scalars(
        select(OutboxMessage).filter_by(learner_id=ana.id, status=OutboxStatus.PENDING)
    ).one()
    suppress(db_session, waiting, NOW)
    db_session.commit()
    assert staff_reply_texts(db_session, ana.id) == []
    assert staff_reply_texts(db_session, ben.id) == ["Le llamamos mañana, Ana."]
    inbound = db_session.scalars(select(InboundMessage.body).filter_by(learner_id=ana.id)).all()
    assert inbound == [None]

    entries = db_session.scalars(select(AuditLog).where(AuditLog.action.like("inbox.%"))).all()
    learners = sorted(entry.details["learner"] for entry in entries)
    assert learners == ["Lben0000000000001", "erased", "erased", "erased"]
    assert all(ana_pseudonym not in str(entry.details) for entry in entries)
