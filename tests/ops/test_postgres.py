"""Counters, heartbeats and /metrics on PostgreSQL: the upsert and the grouped reads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import create_app
from bot.clock import utc_now
from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.ops.heartbeats import beat
from bot.ops.tally import TURN_SECONDS, TURNS, Tally, flush
from bot.services import services
from bot.settings import Settings
from tests.conftest import make_test_settings
from tests.fakes import closed_port_url
from tests.ops.system import samples
from tests.postgres import scratch_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_settings(tmp_path: Path) -> Iterator[Settings]:
    with scratch_database("lessonbot_ops") as url:
        settings = make_test_settings(
            tmp_path,
            {"app.database_url": url, "ops.metrics_public": True, "rasa.url": closed_port_url()},
        )
        upgrade(settings)
        yield settings


def test_counts_of_processes_flushing_at_once_all_add_up(pg_settings):
    engine = make_engine(pg_settings.app.database_url)
    sessions = make_session_factory(engine)
    tallies = [Tally() for _ in range(4)]

    def work(tally: Tally) -> None:
        for _ in range(25):
            tally.count(TURNS, outcome="answered")
            tally.observe(TURN_SECONDS, 0.07)
            flush(sessions, tally)

    threads = [threading.Thread(target=work, args=(tally,)) for tally in tallies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    now = utc_now()
    with sessions() as session:
        beat(session, "worker", "worker@a:1", now, now)
        session.commit()
    engine.dispose()

    app = create_app(settings=pg_settings)
    try:
        found = samples(app.test_client().get("/metrics").get_data(as_text=True))
    finally:
        services(app).close()
    assert found[("lessonbot_turns_total", (("outcome", "answered"),))] == 100
    assert found[("lessonbot_turn_seconds_bucket", (("le", "0.1"),))] == 100
    assert found[("lessonbot_turn_seconds_bucket", (("le", "0.05"),))] == 0
    assert found[("lessonbot_heartbeat_age_seconds", (("process", "worker"),))] < 60
