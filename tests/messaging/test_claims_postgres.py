"""Several workers on PostgreSQL: claims skip each other, a learner's order holds.

Runs against the PostgreSQL server on localhost, in a database of its own made
for this module. A loopback stand-in plays Rasa's REST channel: this is about
the worker's claiming, not about Rasa.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine, make_session_factory
from bot.messaging.outbox import claim_due, write_reply
from bot.messaging.rasa_client import RasaClient
from bot.messaging.replies import Reply
from bot.messaging.turns import claim_turn
from bot.messaging.worker import run_turns_once
from bot.migrate import upgrade
from bot.models import InboundMessage, OutboxMessage
from bot.settings import Settings
from bot.vocab import InboundStatus
from tests.builders import LEASE_END, NOW, add_inbound, add_learner
from tests.conftest import make_test_settings
from tests.fakes import StandInServer, rasa_echo
from tests.postgres import scratch_database

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    with scratch_database("lessonbot_claims") as url:
        yield url


@pytest.fixture
def pg_settings(pg_database: str, tmp_path: Path) -> Iterator[Settings]:
    settings = make_test_settings(tmp_path, {"app.database_url": pg_database})
    upgrade(settings)
    yield settings
    engine = make_engine(pg_database)
    with engine.begin() as connection:
        connection.execute(text("TRUNCATE learner CASCADE"))
    engine.dispose()


@pytest.fixture
def pg_sessions(pg_settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(pg_settings.app.database_url)
    yield make_session_factory(engine)
    engine.dispose()


def test_a_claim_in_progress_is_skipped_not_waited_for(pg_settings, pg_sessions):
    with pg_sessions() as setup:
        ana = add_learner(setup, pg_settings, number="+50761111111")
        ben = add_learner(setup, pg_settings, number="+50762222222")
        ana_first = add_inbound(setup, ana, "uno")
        add_inbound(setup, ana, "dos")
        ben_first = add_inbound(setup, ben, "hola")

    worker_a, worker_b = pg_sessions(), pg_sessions()
    try:
        with worker_a.begin():
            first = claim_turn(worker_a, pg_settings, NOW)
            # Worker A has not committed: B skips A's locked row, and does not
            # take Ana's second message while her first one is pending.
            with worker_b.begin():
                second = claim_turn(worker_b, pg_settings, NOW)
                third = claim_turn(worker_b, pg_settings, NOW)
    finally:
        worker_a.close()
        worker_b.close()

    assert first is not None and first.inbound_id == ana_first.id
    assert second is not None and second.inbound_id == ben_first.id
    assert third is None


def test_an_outbox_row_being_claimed_is_skipped(pg_settings, pg_sessions):
    with pg_sessions() as setup:
        ana = add_learner(setup, pg_settings, number="+50761111111")
        ben = add_learner(setup, pg_settings, number="+50762222222")
        for key, learner in (("a:0", ana), ("a:1", ana), ("b:0", ben)):
            write_reply(setup, key, learner.id, Reply(text=key), NOW)
        setup.commit()

    sender_a, sender_b = pg_sessions(), pg_sessions()
    try:
        with sender_a.begin():
            mine = claim_due(sender_a, NOW, LEASE_END)
            with sender_b.begin():
                theirs = claim_due(sender_b, NOW, LEASE_END)
                nothing = claim_due(sender_b, NOW, LEASE_END)
            keys = (mine.idempotency_key, theirs.idempotency_key)  # type: ignore[union-attr]
    finally:
        sender_a.close()
        sender_b.close()

    assert keys == ("a:0", "b:0")
    assert nothing is None


def test_parallel_workers_answer_each_message_once_in_order(pg_settings, pg_sessions):
    with pg_sessions() as setup:
        learners = [
            add_learner(setup, pg_settings, number=f"+5076200{index:04d}") for index in range(6)
        ]
        for round_ in range(5):
            for learner in learners:
                add_inbound(setup, learner, f"{learner.public_id} {round_}")

    with StandInServer(rasa_echo) as rasa:
        clients = [RasaClient(pg_settings.with_overrides({"rasa.url": rasa.url})) for _ in range(4)]

        def work(client: RasaClient) -> None:
            while run_turns_once(pg_sessions, client, pg_settings, NOW):
                pass

        threads = [threading.Thread(target=work, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        for client in clients:
            client.close()

    texts = [request.json()["message"] for request in rasa.requests]
    assert len(texts) == len(set(texts)) == 30  # each message once
    for learner in learners:
        mine = [t for t in texts if t.startswith(learner.public_id)]
        assert mine == [f"{learner.public_id} {round_}" for round_ in range(5)]
    with pg_sessions() as check:
        statuses = set(check.scalars(select(InboundMessage.status)))
        assert statuses == {InboundStatus.DONE}
        assert len(check.scalars(select(OutboxMessage.id)).all()) == 30
