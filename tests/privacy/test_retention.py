"""The retention purge: texts older than the period leave the app's tables and Rasa's tracker."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.messaging.tracker_store import TrackerStore
from bot.models import InboundMessage, Learner, OutboxMessage
from bot.privacy.retention import purge_message_bodies, purge_tracker_events
from bot.settings import Settings
from bot.vocab import ChannelName, InboundStatus, OutboxStatus
from tests.postgres import scratch_database
from tests.privacy.rasa_events import stored_data, user_event, write_events

NOW = datetime(2026, 6, 1, 12, 0)
OLD = NOW - timedelta(days=91)
RECENT = NOW - timedelta(days=89)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_overrides({"app.message_retention_days": 90})


def test_old_texts_leave_the_app_tables_templates_included(db_session, settings) -> None:
    learner = Learner(channel=ChannelName.WHATSAPP, created_at=OLD)
    db_session.add(learner)
    db_session.flush()
    db_session.add_all(
        [
            InboundMessage(message_sid="SMold", learner_id=learner.id, channel="whatsapp",
                           body="vivo en Colón", received_at=OLD, status=InboundStatus.DONE),
            InboundMessage(message_sid="SMnew", learner_id=learner.id, channel="whatsapp",
                           body="hola", received_at=RECENT, status=InboundStatus.DONE),
            # A tap's id names the option chosen as its title does: both go.
            InboundMessage(message_sid="SMtap", learner_id=learner.id, channel="whatsapp",
                           body=None, tap_payload="c:0123456789abcdef:2",
                           tapped_message_sid="SMq", received_at=OLD,
                           status=InboundStatus.DONE),
            OutboxMessage(idempotency_key="template", learner_id=learner.id, content_sid="HX1",
                          content_variables={"1": "Reunión en Colón el martes"},
                          status=OutboxStatus.DELIVERED, created_at=OLD),
            OutboxMessage(idempotency_key="lesson", learner_id=learner.id, body="Lección 1",
                          options=["Sí", "No"], buttons=["Sí", ""], choice_key="0123456789abcdef",
                          status=OutboxStatus.READ, created_at=OLD),
            OutboxMessage(idempotency_key="waiting", learner_id=learner.id, body="still to send",
                          status=OutboxStatus.PENDING, created_at=OLD),
            OutboxMessage(idempotency_key="fresh", learner_id=learner.id, body="Lección 2",
                          status=OutboxStatus.DELIVERED, created_at=RECENT),
        ]
    )  # fmt: skip
    db_session.flush()

    summary = purge_message_bodies(db_session, settings, NOW)

    rows = db_session.scalars(select(InboundMessage))
    bodies = {row.message_sid: (row.body, row.tap_payload, row.tapped_message_sid) for row in rows}
    assert bodies == {
        "SMold": (None, None, None),
        "SMnew": ("hola", None, None),
        "SMtap": (None, None, None),
    }
    outbox = {
        row.idempotency_key: (row.body, row.options, row.buttons, row.choice_key,
                              row.content_variables)
        for row in db_session.scalars(select(OutboxMessage))
    }  # fmt: skip
    assert outbox == {
        "template": (None, None, None, None, None),
        "lesson": (None, None, None, None, None),
        "waiting": ("still to send", None, None, None, None),  # not sent yet: kept until it is
        "fresh": ("Lección 2", None, None, None, None),
    }
    assert summary == {"inbound_purged": 2, "outbound_purged": 2}


def check_tracker_purge(url: str, settings: Settings) -> None:
    write_events(
        url,
        [
            user_event("Lold", "me llamo Ana", OLD, "SMa"),
            user_event("Lboth", "mi número nuevo es 6123-4567", OLD, "SMb"),
            user_event("Lboth", "siguiente", RECENT, "SMc"),
        ],
    )
    tracker = TrackerStore(url)
    try:
        summary = purge_tracker_events(tracker, settings, NOW)
    finally:
        tracker.close()

    left = "\n".join(stored_data(url))
    assert "Ana" not in left
    assert "6123-4567" not in left
    assert "SMa" not in left and "SMb" not in left
    assert "Lold" not in left  # nothing is left of a conversation all older than the period
    assert "siguiente" in left and "SMc" in left  # within the period: kept
    assert summary == {"tracker_events_purged": 2}


def test_old_events_leave_rasas_tracker_on_sqlite(tmp_path, settings) -> None:
    check_tracker_purge(f"sqlite:///{tmp_path / 'tracker.db'}", settings)


@pytest.mark.postgres
def test_old_events_leave_rasas_tracker_on_postgresql(settings) -> None:
    with scratch_database("tracker") as url:
        check_tracker_purge(url, settings)


def test_a_tracker_store_rasa_never_wrote_to_is_left_alone(tmp_path, settings) -> None:
    tracker = TrackerStore(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        assert purge_tracker_events(tracker, settings, NOW) == {"tracker_events_purged": 0}
    finally:
        tracker.close()
