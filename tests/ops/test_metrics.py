"""/metrics: what the operator's Prometheus reads, its values moving with the system's work."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import create_app
from bot.broadcasts.models import Broadcast, BroadcastRecipient, BroadcastStatus, RecipientState
from bot.db import make_engine, make_session_factory
from bot.ops.tally import MESSAGES_RECEIVED, TURNS, Tally, flush
from bot.settings import Settings
from bot.vocab import OutboxStatus
from tests.builders import NOW, add_learner, add_outbox
from tests.fakes import closed_port_url
from tests.ops.system import (
    METRICS_TOKEN,
    NUMBER,
    TEXT,
    learner_writes,
    samples,
    scrape,
    twilio_reports,
    worker_runs,
)


@pytest.fixture
def ops_settings(settings: Settings) -> Settings:
    return settings.with_overrides(
        {"ops.metrics_token": METRICS_TOKEN, "rasa.url": closed_port_url()}
    )


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.app.database_url)
    yield make_session_factory(engine)
    engine.dispose()


def test_metrics_move_with_a_message_a_turn_and_its_sends(ops_settings, sessions):
    client = create_app(settings=ops_settings).test_client()
    before = samples(scrape(client))
    assert before[("lessonbot_inbound_waiting", ())] == 0
    assert before[("lessonbot_turn_seconds_count", ())] == 0
    assert before[("lessonbot_heartbeat_age_seconds", (("process", "worker"),))] == float("inf")

    learner_writes(client, ops_settings)
    waiting = samples(scrape(client))
    received = (("channel", "sms"), ("intake", "stored"))
    assert waiting[("lessonbot_messages_received_total", received)] == 1
    assert waiting[("lessonbot_inbound_waiting", ())] == 1
    assert waiting[("lessonbot_inbound_oldest_waiting_seconds", ())] >= 0

    worker_runs(sessions, ops_settings)
    twilio_reports(client, ops_settings, sessions)
    page = scrape(client)
    after = samples(page)
    assert after[("lessonbot_inbound_waiting", ())] == 0
    assert after[("lessonbot_turns_total", (("outcome", "answered"),))] == 1
    assert after[("lessonbot_turn_seconds_count", ())] == 1
    assert after[("lessonbot_turn_seconds_bucket", (("le", "+Inf"),))] == 1
    assert after[("lessonbot_sends_total", (("error_code", ""), ("outcome", "sent")))] == 1
    assert after[("lessonbot_sends_total", (("error_code", "30003"), ("outcome", "failed")))] == 1
    delivered = (("error_code", ""), ("status", "delivered"))
    assert after[("lessonbot_delivery_reports_total", delivered)] == 1
    assert after[("lessonbot_outbox_waiting", ())] == 0
    assert after[("lessonbot_heartbeat_age_seconds", (("process", "worker"),))] < 60
    assert after[("lessonbot_heartbeat_age_seconds", (("process", "scheduler"),))] < 60
    # Rasa is configured at a closed port here.
    assert after[("lessonbot_rasa_up", ())] == 0
    # Neither the learner's number nor their words, in any form.
    for secret in (NUMBER, NUMBER[1:], NUMBER[-8:], TEXT, "Segundo mensaje"):
        assert secret not in page


def test_counts_from_several_processes_add_up(settings, sessions):
    web, worker = Tally(), Tally()
    web.count(MESSAGES_RECEIVED, channel="sms", intake="stored")
    worker.count(TURNS, outcome="answered")
    worker.count(TURNS, outcome="answered")
    flush(sessions, web)
    flush(sessions, worker)
    web.count(MESSAGES_RECEIVED, 2, channel="sms", intake="stored")
    flush(sessions, web)
    public = {"ops.metrics_public": True, "rasa.url": closed_port_url()}
    client = create_app(settings=settings.with_overrides(public))
    page = samples(client.test_client().get("/metrics").get_data(as_text=True))
    received = (("channel", "sms"), ("intake", "stored"))
    assert page[("lessonbot_messages_received_total", received)] == 3
    assert page[("lessonbot_turns_total", (("outcome", "answered"),))] == 2


def test_a_label_the_counter_does_not_have_is_refused():
    with pytest.raises(ValueError, match="takes labels"):
        Tally().count(TURNS, outcome="answered", number=NUMBER)


@pytest.mark.parametrize(
    ("overrides", "headers", "status"),
    [
        pytest.param({}, {}, 404, id="no-token-set-not-public"),
        pytest.param({"ops.metrics_token": "s3cret"}, {}, 401, id="token-missing"),
        pytest.param(
            {"ops.metrics_token": "s3cret"},
            {"Authorization": "Bearer wrong"},
            401,
            id="token-wrong",
        ),
        pytest.param(
            {"ops.metrics_token": "s3cret"}, {"Authorization": "Bearer s3cret"}, 200, id="token"
        ),
        pytest.param({"ops.metrics_public": True}, {}, 200, id="public"),
    ],
)
def test_metrics_are_for_the_operator_only(settings, overrides, headers, status):
    overrides = {**overrides, "rasa.url": closed_port_url()}
    client = create_app(settings=settings.with_overrides(overrides)).test_client()
    response = client.get("/metrics", headers=headers)
    assert response.status_code == status
    if status == 200:
        assert response.mimetype == "text/plain"
        assert "lessonbot_inbound_waiting" in response.get_data(as_text=True)


def test_broadcast_progress_counts_the_recipients_of_broadcasts_being_sent(settings, db_session):
    sending = Broadcast(
        status=BroadcastStatus.SENDING, base_language="es", created_at=NOW, updated_at=NOW
    )
    finished = Broadcast(
        status=BroadcastStatus.SENT, base_language="es", created_at=NOW, updated_at=NOW
    )
    db_session.add_all([sending, finished])
    db_session.commit()
    states = [
        (RecipientState.WAITING, None),
        (RecipientState.WAITING, None),
        (RecipientState.QUEUED, OutboxStatus.PENDING),
        (RecipientState.QUEUED, OutboxStatus.DELIVERED),
        (RecipientState.QUEUED, OutboxStatus.SENT),
        (RecipientState.QUEUED, OutboxStatus.UNDELIVERED),
        (RecipientState.SKIPPED, None),
    ]
    for index, (state, outbox_status) in enumerate(states):
        learner = add_learner(db_session, settings, number=f"+5076100{index:04d}")
        row = None
        if outbox_status is not None:
            row = add_outbox(db_session, learner, kind="broadcast")
            row.status = outbox_status
        db_session.add(
            BroadcastRecipient(
                broadcast_id=sending.id,
                learner_id=learner.id,
                state=state,
                outbox_id=row.id if row else None,
            )
        )
        db_session.add(BroadcastRecipient(broadcast_id=finished.id, learner_id=learner.id))
    db_session.commit()

    public = {"ops.metrics_public": True, "rasa.url": closed_port_url()}
    client = create_app(settings=settings.with_overrides(public)).test_client()
    found = samples(client.get("/metrics").get_data(as_text=True))
    progress = {
        dict(labels)["state"]: value
        for (name, labels), value in found.items()
        if name == "lessonbot_broadcast_recipients"
    }
    assert progress == {"waiting": 2, "in_outbox": 1, "sent": 2, "failed": 1, "skipped": 1}
    assert {
        dict(labels)["broadcast"]
        for (name, labels) in found
        if name == "lessonbot_broadcast_recipients"
    } == {str(sending.id)}
