"""A little of everything the metrics count: a webhook, a turn, sends, a status callback, beats."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import utc_now
from bot.db import session_scope
from bot.messaging.channels import ChannelError, SendResult
from bot.messaging.pacer import Pacer
from bot.messaging.rasa_client import RasaClient
from bot.messaging.worker import run_sends_once, run_turns_once
from bot.models import Learner, OutboxMessage
from bot.ops.heartbeats import beat
from bot.settings import Settings
from bot.vocab import FailureReason, OutboxStatus
from tests.builders import add_outbox, inbound_form, new_sid, signed_post
from tests.fakes import FakeChannel, StandInServer, rasa_echo

NUMBER = "+50761234567"
TEXT = "quiero aprender sobre ahorro"
METRICS_TOKEN = "metrics-test-token"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics page: {(name, sorted labels): value}."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client: Any) -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert response.status_code == 200, response.data
    return str(response.get_data(as_text=True))


def learner_writes(client: Any, settings: Settings) -> None:
    response = signed_post(client, settings, "/twilio/inbound", inbound_form(TEXT, NUMBER))
    assert response.status_code == 200


def worker_runs(sessions: sessionmaker[Session], settings: Settings) -> None:
    """The turn (Rasa echoes), then two sends: the reply goes, a second row is refused."""
    now = utc_now()
    with StandInServer(rasa_echo) as rasa:
        client = RasaClient(settings.with_overrides({"rasa.url": rasa.url}))
        try:
            assert run_turns_once(sessions, client, settings, now) == {"answered": 1}
        finally:
            client.close()
    with session_scope(sessions) as session:
        learner = session.scalars(select(Learner)).one()
    with sessions() as session:
        add_outbox(session, learner, "Segundo mensaje")
    refused = ChannelError(FailureReason.UNREACHABLE, "Unreachable", retryable=False, code=30003)
    taken = SendResult(provider_sid=new_sid(), status=OutboxStatus.QUEUED)
    channel = FakeChannel(script=[taken, refused])
    pacer = Pacer(1000.0, lambda: 0.0, lambda seconds: None)
    assert run_sends_once(sessions, channel, settings, pacer, now, limit=5) == {
        "sent": 1,
        "failed": 1,
    }
    with sessions() as session:
        beat(session, "worker", "worker@test:1", now, now)
        beat(session, "scheduler", "scheduler@test:2", now, now)
        session.commit()


def twilio_reports(client: Any, settings: Settings, sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        sent = session.scalars(
            select(OutboxMessage).where(OutboxMessage.provider_sid.is_not(None))
        ).first()
        assert sent is not None and sent.provider_sid is not None
    form = {"MessageSid": sent.provider_sid, "MessageStatus": "delivered"}
    assert signed_post(client, settings, "/twilio/status", form).status_code in (200, 204)
