"""The webhooks when the database is stalled: answered in time, spooled, replayed once.

Another connection holds SQLite's write lock (``BEGIN EXCLUSIVE``) as a long
migration, a backup or a stuck process would. Twilio waits 15 s and retries
neither kind of webhook on an error, so each must be answered 200 in time and
kept until the database takes it.
"""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot import create_app
from bot.db import make_engine, make_session_factory
from bot.messaging.inbound import parse_inbound
from bot.messaging.replay import replay_spool
from bot.messaging.spool import SET_ASIDE_SUFFIX, Spool, SpoolEntry
from bot.migrate import upgrade
from bot.models import InboundMessage, OutboxMessage
from bot.settings import Settings
from bot.vocab import OutboxStatus
from tests.builders import NOW, add_learner, add_outbox, inbound_form, new_sid, signed_post
from tests.conftest import make_test_settings

EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'
STORE_TIMEOUT = 1.0
# Twilio waits 15 s; a spooled answer must come soon after the store's deadline.
ANSWERED_WITHIN = STORE_TIMEOUT + 2.0


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = make_test_settings(
        tmp_path,
        {
            "webhook.store_timeout_seconds": STORE_TIMEOUT,
            "webhook.spool_directory": str(tmp_path / "spool"),
        },
    )
    upgrade(settings)
    return settings


@pytest.fixture
def spool(settings: Settings) -> Spool:
    return Spool(settings.spool_path, settings.secrets.phone_encryption_key)


@contextmanager
def database_locked(settings: Settings) -> Iterator[None]:
    """Hold SQLite's write lock from another connection (readers go on: WAL)."""
    path = settings.app.database_url.removeprefix("sqlite:///")
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        locker.execute("ROLLBACK")
        locker.close()


def stored_sids(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(InboundMessage.message_sid)))


def timed_post(client, settings, path: str, form: dict[str, str]):  # type: ignore[no-untyped-def]
    started = time.monotonic()
    response = signed_post(client, settings, path, form)
    return response, time.monotonic() - started


def test_a_locked_database_spools_the_message_answers_200_in_time_and_replays_it_once(
    client, settings, sessions, spool
):
    form = inbound_form("Hola, quiero aprender")
    with database_locked(settings):
        response, seconds = timed_post(client, settings, "/twilio/inbound", form)

        assert response.status_code == 200
        assert response.data == EMPTY_TWIML
        assert seconds < ANSWERED_WITHIN
        assert len(spool.paths()) == 1
        assert stored_sids(sessions) == []
        # While the lock holds, the replay stores nothing and keeps the entry.
        impatient = make_engine(settings.app.database_url, wait_seconds=0.2)
        try:
            assert replay_spool(make_session_factory(impatient), spool, settings) == {"retry": 1}
        finally:
            impatient.dispose()
        assert len(spool.paths()) == 1

    done = replay_spool(sessions, spool, settings)

    assert done == {"inbound stored": 1}
    assert stored_sids(sessions) == [form["MessageSid"]]
    assert spool.paths() == []
    with sessions() as session:
        message = session.scalars(select(InboundMessage)).one()
        assert message.body == "Hola, quiero aprender"
        assert message.status == "pending"


def test_the_spool_file_holds_no_number_and_no_text_in_clear(client, settings, spool):
    form = inbound_form("mi secreto", number="+50761112233")
    with database_locked(settings):
        signed_post(client, settings, "/twilio/inbound", form)

    (path,) = spool.paths()
    raw = path.read_bytes()
    assert b"61112233" not in raw
    assert b"secreto" not in raw


def test_after_one_timeout_the_next_requests_are_spooled_at_once(client, settings, spool):
    with database_locked(settings):
        signed_post(client, settings, "/twilio/inbound", inbound_form("uno"))
        response, seconds = timed_post(client, settings, "/twilio/inbound", inbound_form("dos"))

    assert response.status_code == 200
    assert seconds < STORE_TIMEOUT / 2
    assert len(spool.paths()) == 2


def test_a_message_both_stored_and_spooled_is_stored_once(client, settings, sessions, spool):
    form = inbound_form("hola")
    assert signed_post(client, settings, "/twilio/inbound", form).status_code == 200
    # The request gave up just as the writer committed: it spooled the message too.
    spool.put("inbound", NOW, asdict(parse_inbound(form)))

    assert replay_spool(sessions, spool, settings) == {"inbound repeated": 1}
    assert stored_sids(sessions) == [form["MessageSid"]]
    assert spool.paths() == []


def test_the_same_entry_replayed_twice_is_stored_once(settings, sessions, spool, tmp_path):
    form = inbound_form("hola")
    path = spool.put("inbound", NOW, asdict(parse_inbound(form)))
    copy = shutil.copyfile(path, tmp_path / "copy")

    replay_spool(sessions, spool, settings)
    shutil.copyfile(copy, path)  # a second replayer read it before the first removed it
    second = replay_spool(sessions, spool, settings)

    assert second == {"inbound repeated": 1}
    assert stored_sids(sessions) == [form["MessageSid"]]


class Crash(BaseException):
    """The process dies here (not an Exception: nothing may catch it)."""


def test_a_crash_between_commit_and_removal_stores_it_once(settings, sessions, spool):
    form = inbound_form("hola")
    spool.put("inbound", NOW, asdict(parse_inbound(form)))

    def crash(_entry: SpoolEntry) -> None:
        raise Crash

    with pytest.raises(Crash):
        replay_spool(sessions, spool, settings, after_commit=crash)
    assert stored_sids(sessions) == [form["MessageSid"]]
    assert len(spool.paths()) == 1  # the commit happened, the removal did not

    assert replay_spool(sessions, spool, settings) == {"inbound repeated": 1}
    assert stored_sids(sessions) == [form["MessageSid"]]
    assert spool.paths() == []


def test_a_status_callback_under_a_locked_database_is_spooled_and_applied_later(
    client, settings, sessions, spool
):
    with sessions() as session:
        row = add_outbox(session, add_learner(session, settings))
        row.provider_sid = new_sid()
        row.status = OutboxStatus.SENT
        session.commit()
        row_id, sid = row.id, row.provider_sid
    form = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": "AC" + "0" * 32}

    with database_locked(settings):
        response, seconds = timed_post(client, settings, "/twilio/status", form)

    assert response.status_code == 204
    assert seconds < ANSWERED_WITHIN
    assert len(spool.paths()) == 1
    assert replay_spool(sessions, spool, settings) == {"status applied": 1}
    with sessions() as session:
        assert session.get(OutboxMessage, row_id).status == OutboxStatus.DELIVERED  # type: ignore[union-attr]
    assert spool.paths() == []


def test_the_web_process_replays_the_spool_when_it_starts(settings, sessions, spool):
    form = inbound_form("hola")
    spool.put("inbound", NOW, asdict(parse_inbound(form)))

    app: Flask = create_app(settings=settings)

    assert app is not None
    assert stored_sids(sessions) == [form["MessageSid"]]
    assert spool.paths() == []


def test_an_entry_that_cannot_be_read_is_set_aside_not_blocking_the_rest(settings, sessions, spool):
    bad = spool.put("inbound", NOW, {"message_sid": "x"})  # not a whole message
    form = inbound_form("hola")
    spool.put("inbound", NOW, asdict(parse_inbound(form)))

    done = replay_spool(sessions, spool, settings)

    assert done == {"unreadable": 1, "inbound stored": 1}
    assert stored_sids(sessions) == [form["MessageSid"]]
    assert spool.paths() == []
    assert bad.with_name(bad.name + SET_ASIDE_SUFFIX).exists()


def test_replayed_messages_keep_the_time_twilio_delivered_them(settings, sessions, spool):
    spool.put("inbound", NOW, asdict(parse_inbound(inbound_form("hola"))))

    replay_spool(sessions, spool, settings)

    with sessions() as session:
        assert session.scalar(select(func.max(InboundMessage.received_at))) == NOW
