"""A new number's first messages: one learner, however many processes store them at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine, make_session_factory
from bot.messaging.inbound import InboundSms
from bot.messaging.ingest import store_inbound
from bot.migrate import upgrade
from bot.models import InboundMessage, Learner
from bot.settings import Settings
from bot.vocab import ChannelName
from tests.builders import NOW, new_sid
from tests.conftest import make_test_settings
from tests.postgres import scratch_database

NUMBER = "+50769990000"


def first_message() -> InboundSms:
    return InboundSms(
        message_sid=new_sid(),
        channel=ChannelName.SMS,
        from_number=NUMBER,
        body="hola",
        num_media=0,
        profile_name=None,
    )


def store_both_at_once(sessions: sessionmaker[Session], settings: Settings) -> None:
    """Two web processes store a new number's first two messages at the same moment.

    The first has inserted the learner and not committed yet when the second
    looks the number up (and does not see it); the second must wait for the
    first and then use its learner, not fail on the unique number hash.
    """
    errors: list[BaseException] = []
    first = sessions()
    assert store_inbound(first, first_message(), settings, NOW)

    def second() -> None:
        try:
            with sessions() as session, session.begin():
                assert store_inbound(session, first_message(), settings, NOW)
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(0.5)  # the second is now waiting on the first's insert
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert not thread.is_alive()
    assert errors == []


def assert_one_learner_with_both_messages(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Learner)) == 1
        owners = session.scalars(select(InboundMessage.learner_id)).all()
        assert len(owners) == 2 and len(set(owners)) == 1


def test_two_first_messages_at_once_make_one_learner_on_sqlite(settings):
    engine = make_engine(settings.app.database_url)  # a file: two connections, as two processes
    sessions = make_session_factory(engine)
    try:
        store_both_at_once(sessions, settings)
        assert_one_learner_with_both_messages(sessions)
    finally:
        engine.dispose()


@pytest.fixture
def pg_settings(tmp_path: Path) -> Iterator[Settings]:
    with scratch_database("lessonbot_contact") as url:
        settings = make_test_settings(tmp_path, {"app.database_url": url})
        upgrade(settings)
        yield settings


@pytest.mark.postgres
def test_two_first_messages_at_once_make_one_learner_on_postgresql(pg_settings):
    engine = make_engine(pg_settings.app.database_url)
    sessions = make_session_factory(engine)
    try:
        store_both_at_once(sessions, pg_settings)
        assert_one_learner_with_both_messages(sessions)
    finally:
        engine.dispose()
