"""The engine keeps learners' words out of SQL error messages."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from sqlalchemy.exc import IntegrityError

from bot.db import make_engine, make_session_factory, session_scope
from bot.models import InboundMessage, Learner
from bot.settings import Settings
from bot.vocab import ChannelName

NOW = datetime(2026, 3, 2, 14, 0)
WORDS = "me llamo Ana y vivo en Colón"


def test_an_sql_errors_log_record_holds_no_message_text(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(settings.app.database_url)
    sessions = make_session_factory(engine)
    with session_scope(sessions) as session:
        learner = Learner(channel=ChannelName.SMS, created_at=NOW)
        session.add(learner)
        session.flush()
        session.add(
            InboundMessage(
                message_sid="SM1",
                learner_id=learner.id,
                channel="sms",
                body="hola",
                received_at=NOW,
            )
        )
    log = logging.getLogger("tests.core.db")
    try:
        with session_scope(sessions) as session, caplog.at_level(logging.ERROR):
            # The same MessageSid again: the unique constraint refuses it.
            session.add(
                InboundMessage(
                    message_sid="SM1",
                    learner_id=learner.id,
                    channel="sms",
                    body=WORDS,
                    received_at=NOW,
                )
            )
            try:
                session.flush()
            except IntegrityError:
                log.exception("storing an inbound message failed")
                raise
    except IntegrityError:
        pass
    finally:
        engine.dispose()

    assert "INSERT INTO inbound_message" in caplog.text  # the record does name the statement
    assert WORDS not in caplog.text
    assert "Colón" not in caplog.text
