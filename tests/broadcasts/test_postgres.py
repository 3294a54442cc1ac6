"""The broadcast flow on PostgreSQL: snapshot, feed, send, cancel, counts.

The other tests run on SQLite; SQL that behaves differently on PostgreSQL (an
INSERT ... SELECT's row count, the outcomes' UPDATE ... FROM unnest, the claim's locking) is
exercised here, in a database of its own made for this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.broadcasts import lifecycle, queueing
from bot.broadcasts.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    RecipientState,
    Route,
    SkipReason,
)
from bot.broadcasts.progress import progress
from bot.db import make_engine, make_session_factory
from bot.messaging.channels.local import LocalChannel
from bot.messaging.pacer import Pacer
from bot.messaging.worker import run_sends_once
from bot.migrate import upgrade
from bot.models import OutboxMessage
from bot.settings import Settings
from bot.vocab import LearnerStatus
from tests.broadcasts.builders import NOW, add_learner, make_broadcast
from tests.conftest import make_test_settings
from tests.postgres import scratch_database

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    with scratch_database("lessonbot_broadcasts") as url:
        yield url


@pytest.fixture
def pg(pg_database: str, tmp_path: Path) -> Iterator[tuple[Settings, sessionmaker[Session]]]:
    settings = make_test_settings(tmp_path, {"app.database_url": pg_database})
    upgrade(settings)
    engine = make_engine(pg_database)
    yield settings, make_session_factory(engine)
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE learner, broadcast CASCADE"))
    engine.dispose()


def test_a_broadcast_starts_feeds_sends_and_finishes(pg):
    settings, sessions = pg
    with sessions() as session:
        for _ in range(12):
            add_learner(session, settings)
        add_learner(session, settings, status=LearnerStatus.OPTED_OUT)
        broadcast = make_broadcast(session)
        broadcast.status, broadcast.send_at = BroadcastStatus.SCHEDULED, NOW
        session.commit()
        broadcast_id = broadcast.id
    paced = settings.with_overrides(
        {"sender.rate_per_second": 1, "broadcasts.feed_ahead_seconds": 5}
    )

    first = queueing.run(sessions, paced, NOW)
    again = queueing.run(sessions, paced, NOW)  # nothing more while 5 are pending
    moment = NOW
    for _ in range(6):
        run_sends_once(sessions, LocalChannel(), paced, Pacer(1000), moment, limit=20)
        moment += timedelta(seconds=5)
        queueing.run(sessions, paced, moment)

    assert (first["started"], first["queued"], again["queued"]) == (1, 5, 0)
    with sessions() as session:
        done = session.get(Broadcast, broadcast_id)
        assert (done.status, done.recipient_count) == (BroadcastStatus.SENT, 12)
        assert progress(session, done).delivered == 12
        keys = session.scalars(select(OutboxMessage.idempotency_key)).all()
        assert len(keys) == len(set(keys)) == 12


def test_cancel_stops_the_rest_on_postgres(pg):
    settings, sessions = pg
    with sessions() as session:
        for _ in range(8):
            add_learner(session, settings)
        broadcast = make_broadcast(session)
        broadcast.status, broadcast.send_at = BroadcastStatus.SCHEDULED, NOW
        session.commit()
        broadcast_id = broadcast.id
    paced = settings.with_overrides(
        {"sender.rate_per_second": 1, "broadcasts.feed_ahead_seconds": 3}
    )
    queueing.run(sessions, paced, NOW)
    run_sends_once(sessions, LocalChannel(), paced, Pacer(1000), NOW, limit=1)

    with sessions() as session:
        stopped = lifecycle.cancel(session, session.get(Broadcast, broadcast_id), None, NOW)
        session.commit()
        counts = progress(session, session.get(Broadcast, broadcast_id))
        waiting = session.scalar(select(func.count()).where(BroadcastRecipient.state == "waiting"))
    assert stopped == 2
    assert (counts.delivered, counts.cancelled, waiting) == (1, 7, 0)


def test_one_row_per_recipient_on_postgres_even_after_a_crash(pg):
    settings, sessions = pg
    with sessions() as session:
        learners = [add_learner(session, settings) for _ in range(30)]
        broadcast = make_broadcast(session)
        broadcast.status, broadcast.send_at = BroadcastStatus.SCHEDULED, NOW
        session.add(
            OutboxMessage(  # written by a feed that died before its recipients' update
                idempotency_key=broadcast.key_prefix + learners[3].public_id,
                learner_id=learners[3].id,
                kind="broadcast",
                body="already here",
                created_at=NOW,
            )
        )
        session.commit()
        broadcast_id = broadcast.id

    assert queueing.run(sessions, settings, NOW)["queued"] == 30
    queueing.run(sessions, settings, NOW + timedelta(seconds=5))

    with sessions() as session:
        keys = session.scalars(select(OutboxMessage.idempotency_key)).all()
        linked = session.scalars(
            select(BroadcastRecipient.outbox_id).where(
                BroadcastRecipient.broadcast_id == broadcast_id
            )
        ).all()
    assert len(keys) == len(set(keys)) == 30
    assert None not in linked and len(set(linked)) == 30


def test_each_recipient_records_its_route_language_and_row_on_postgres(pg):
    # The outcomes are written by one UPDATE ... FROM unnest(...) on PostgreSQL.
    settings, sessions = pg
    with sessions() as session:
        english = add_learner(session, settings, language="en")
        french = add_learner(session, settings, language="fr")  # falls back to Spanish
        silent = add_learner(session, settings, channel="whatsapp", last_inbound_at=None)
        broadcast = make_broadcast(session)
        broadcast.status, broadcast.send_at = BroadcastStatus.SCHEDULED, NOW
        session.commit()
        broadcast_id, expected_ids = broadcast.id, (english.id, french.id, silent.id)
    no_template = settings.with_overrides(
        {"broadcasts.whatsapp_template_sid": "", "broadcasts.sms_fallback_for_closed_window": False}
    )

    assert queueing.run(sessions, no_template, NOW)["queued"] == 2

    with sessions() as session:
        recipients = {
            row.learner_id: row
            for row in session.scalars(
                select(BroadcastRecipient).where(BroadcastRecipient.broadcast_id == broadcast_id)
            )
        }
        rows = {row.id: row for row in session.scalars(select(OutboxMessage))}
    english_id, french_id, silent_id = expected_ids
    for learner_id, language, body in (
        (english_id, "en", "Hi, closed Friday."),
        (french_id, "es", "Hola, la oficina cierra el viernes."),
    ):
        recipient = recipients[learner_id]
        assert (recipient.state, recipient.route, recipient.language, recipient.reason) == (
            RecipientState.QUEUED,
            Route.SMS,
            language,
            None,
        )
        assert recipient.queued_at == NOW
        assert (rows[recipient.outbox_id].learner_id, rows[recipient.outbox_id].body) == (
            learner_id,
            body,
        )
    skipped = recipients[silent_id]
    assert (skipped.state, skipped.reason, skipped.outbox_id, skipped.queued_at) == (
        RecipientState.SKIPPED,
        SkipReason.WINDOW_CLOSED,
        None,
        None,
    )
