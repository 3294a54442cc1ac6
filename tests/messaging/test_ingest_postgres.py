"""Storing an inbound message on PostgreSQL: stored once, and the learner told of it.

SQLAlchemy adds ``RETURNING id`` to the INSERT there, and psycopg's rowcount
is then -1: counting rows took every new message for a repeat, so the learner
was never told of it (last message time, WhatsApp window, profile name).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db import make_engine, make_session_factory
from bot.messaging.inbound import parse_inbound
from bot.messaging.ingest import store_inbound
from bot.migrate import upgrade
from bot.models import InboundMessage, Learner
from bot.settings import Settings
from tests.builders import NOW, inbound_form
from tests.conftest import make_test_settings
from tests.postgres import scratch_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_settings(tmp_path: Path) -> Iterator[Settings]:
    with scratch_database("lessonbot_ingest") as url:
        settings = make_test_settings(tmp_path, {"app.database_url": url})
        upgrade(settings)
        yield settings


def test_a_new_message_is_stored_once_and_tells_the_learner(pg_settings):
    message = parse_inbound(inbound_form("hola", channel="whatsapp", ProfileName="Ana"))
    engine = make_engine(pg_settings.app.database_url)
    try:
        with make_session_factory(engine)() as session:
            first = store_inbound(session, message, pg_settings, NOW)
            again = store_inbound(session, message, pg_settings, NOW)
            session.commit()

            assert (first, again) == (True, False)
            assert len(session.scalars(select(InboundMessage)).all()) == 1
            learner = session.scalars(select(Learner)).one()
            assert (learner.last_inbound_at, learner.profile_name) == (NOW, "Ana")
    finally:
        engine.dispose()
