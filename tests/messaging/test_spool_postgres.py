"""The webhook spool on PostgreSQL: a locked table makes the webhook spool within its timeout.

PostgreSQL waits for a lock without end unless told: the webhooks' engine sets
``lock_timeout`` and ``statement_timeout`` to ``webhook.store_timeout_seconds``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot import create_app
from bot.db import make_engine, make_session_factory
from bot.messaging.replay import replay_spool
from bot.messaging.spool import Spool
from bot.migrate import upgrade
from bot.models import InboundMessage
from bot.services import services
from bot.settings import Settings
from tests.builders import inbound_form, signed_post
from tests.conftest import make_test_settings
from tests.postgres import scratch_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_settings(tmp_path: Path) -> Iterator[Settings]:
    with scratch_database("lessonbot_spool") as url:
        settings = make_test_settings(
            tmp_path, {"app.database_url": url, "webhook.store_timeout_seconds": 1.0}
        )
        upgrade(settings)
        yield settings


def test_a_locked_table_spools_the_message_in_time_and_the_replay_stores_it_once(pg_settings):
    app = create_app(settings=pg_settings)
    client = app.test_client()
    form = inbound_form("hola")
    locker = make_engine(pg_settings.app.database_url)
    sessions = make_session_factory(make_engine(pg_settings.app.database_url))
    spool = Spool(pg_settings.spool_path, pg_settings.secrets.phone_encryption_key)
    try:
        with locker.begin() as connection:
            connection.execute(text("LOCK TABLE inbound_message IN ACCESS EXCLUSIVE MODE"))
            started = time.monotonic()
            response = signed_post(client, pg_settings, "/twilio/inbound", form)
            seconds = time.monotonic() - started
            time.sleep(1.0)  # past the writer's own lock timeout: it stores nothing

        assert response.status_code == 200
        assert seconds < 3.0
        assert len(spool.paths()) == 1
        assert replay_spool(sessions, spool, pg_settings) == {"inbound stored": 1}
        assert replay_spool(sessions, spool, pg_settings) == {}
        with sessions() as session:
            assert session.scalars(select(InboundMessage.message_sid)).all() == [form["MessageSid"]]
    finally:
        locker.dispose()
        sessions.kw["bind"].dispose()
        services(app).close()
