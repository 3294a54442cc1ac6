"""/readyz names each failing check; /healthz stays liveness."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot import create_app
from bot.clock import utc_now
from bot.db import make_engine, make_session_factory
from bot.ops.heartbeats import Pulse, beat
from bot.settings import Settings
from tests.builders import add_inbound, add_learner
from tests.fakes import Answer, Recorded, StandInServer, closed_port_url


def rasa_status(request: Recorded) -> Answer:
    """Rasa's GET /status: 200 with the token, 401 without; its lessonbot channel's GET: 200."""
    if request.path == "/webhooks/lessonbot/":
        return 200, {"status": "ok"}, {}
    if request.query.get("token") != ["test-rasa-token"]:
        return 401, {"message": "no token"}, {}
    return 200, {"model_file": "lessonbot.tar.gz"}, {}


def rasa_without_the_channel(request: Recorded) -> Answer:
    """A Rasa started without nlu/credentials.yml: its status answers, the channel does not."""
    if request.path != "/status":
        return 404, {"description": "Not Found"}, {}
    return rasa_status(request)


@pytest.fixture
def rasa() -> Iterator[StandInServer]:
    with StandInServer(rasa_status) as server:
        yield server


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.app.database_url)
    yield make_session_factory(engine)
    engine.dispose()


def beats(settings: Settings, worker_age: float = 0.0, scheduler_age: float = 0.0) -> None:
    now = utc_now()
    engine = make_engine(settings.app.database_url)
    with make_session_factory(engine)() as session:
        beat(session, "worker", "worker@a:1", now, now - timedelta(seconds=worker_age))
        beat(session, "scheduler", "scheduler@a:2", now, now - timedelta(seconds=scheduler_age))
        session.commit()
    engine.dispose()


def ready(settings: Settings) -> tuple[int, dict]:
    response = create_app(settings=settings).test_client().get("/readyz")
    return response.status_code, response.get_json()


def test_ready_when_every_check_passes(settings, rasa):
    settings = settings.with_overrides({"rasa.url": rasa.url})
    beats(settings)
    status, body = ready(settings)
    assert status == 200, body
    assert body["status"] == "ready"
    assert body["failing"] == []
    assert set(body["checks"]) == {
        "database",
        "rasa",
        "worker_heartbeat",
        "scheduler_heartbeat",
        "waiting_messages",
    }
    assert all(check["ok"] for check in body["checks"].values())
    assert [request.path for request in rasa.requests] == ["/status", "/webhooks/lessonbot/"]


def test_a_rasa_without_the_lessonbot_channel_is_named(settings):
    with StandInServer(rasa_without_the_channel) as rasa:
        settings = settings.with_overrides({"rasa.url": rasa.url})
        beats(settings)
        status, body = ready(settings)
    assert (status, body["failing"]) == (503, ["rasa"])
    detail = body["checks"]["rasa"]["detail"]
    assert detail.startswith("no lessonbot channel: start Rasa with nlu/credentials.yml")
    assert detail.endswith("(HTTP 404)")


def test_rasa_stopped_is_named(settings):
    settings = settings.with_overrides({"rasa.url": closed_port_url()})
    beats(settings)
    status, body = ready(settings)
    assert status == 503
    assert body["failing"] == ["rasa"]
    assert "no answer" in body["checks"]["rasa"]["detail"]


def test_rasa_refusing_the_token_is_named(settings, rasa):
    settings = settings.with_overrides({"rasa.url": rasa.url, "rasa.token": "wrong"})
    beats(settings)
    status, body = ready(settings)
    assert (status, body["failing"]) == (503, ["rasa"])
    assert body["checks"]["rasa"]["detail"] == "HTTP 401"


def test_a_stale_worker_heartbeat_is_named(settings, rasa):
    settings = settings.with_overrides({"rasa.url": rasa.url})
    beats(settings, worker_age=300)
    status, body = ready(settings)
    assert (status, body["failing"]) == (503, ["worker_heartbeat"])
    # The check reads the real clock: the app's start may take a second or two.
    detail = body["checks"]["worker_heartbeat"]["detail"]
    age = re.fullmatch(r"last beat (\d+) s ago \(limit 60 s\)", detail)
    assert age is not None, detail
    assert 300 <= int(age.group(1)) <= 330


def test_no_scheduler_ever_is_named(settings, rasa, sessions):
    settings = settings.with_overrides({"rasa.url": rasa.url})
    now = utc_now()
    with sessions() as session:
        beat(session, "worker", "worker@a:1", now, now)
        session.commit()
    status, body = ready(settings)
    assert (status, body["failing"]) == (503, ["scheduler_heartbeat"])


def test_a_message_waiting_too_long_is_named(settings, rasa, db_session):
    settings = settings.with_overrides({"rasa.url": rasa.url, "ops.ready_max_wait_seconds": 120})
    beats(settings)
    learner = add_learner(db_session, settings)
    message = add_inbound(db_session, learner, "hola")
    message.received_at = utc_now() - timedelta(minutes=5)
    db_session.commit()
    status, body = ready(settings)
    assert (status, body["failing"]) == (503, ["waiting_messages"])
    message.received_at = utc_now() - timedelta(seconds=30)
    db_session.commit()
    assert ready(settings)[0] == 200


def test_everything_down_names_every_check(settings):
    status, body = ready(settings.with_overrides({"rasa.url": closed_port_url()}))
    assert status == 503
    assert body["failing"] == ["rasa", "worker_heartbeat", "scheduler_heartbeat"]


def test_healthz_stays_liveness_while_rasa_is_down(settings):
    client = create_app(settings=settings.with_overrides({"rasa.url": closed_port_url()}))
    assert client.test_client().get("/healthz").status_code == 200


def test_a_pulse_beats_every_ten_seconds_not_every_pass(settings, sessions):
    clock = [100.0]
    pulse = Pulse(sessions, "worker", utc_now(), clock=lambda: clock[0])
    assert pulse(utc_now()) is True
    clock[0] += 5
    assert pulse(utc_now()) is False
    clock[0] += 5
    assert pulse(utc_now()) is True


def several_servers(settings: Settings, *urls: str) -> Settings:
    return settings.with_overrides(
        {
            "rasa.urls": list(urls),
            "rasa.tracker_store_url": "postgresql://rasa@127.0.0.1:5432/rasa_tracker",
            "rasa.lock_store_url": "redis://127.0.0.1:6379/1",
        }
    )


def test_with_two_rasa_servers_one_answering_is_ready_and_the_other_named(settings, rasa):
    down = closed_port_url()
    settings = several_servers(settings, rasa.url, down)
    beats(settings)

    status, body = ready(settings)

    assert status == 200
    detail = body["checks"]["rasa"]["detail"]
    assert detail.startswith("1 of 2 servers answer")
    assert down in detail and rasa.url not in detail


def test_with_two_rasa_servers_none_answering_is_not_ready(settings):
    settings = several_servers(settings, closed_port_url(), closed_port_url())
    beats(settings)

    status, body = ready(settings)

    assert (status, body["failing"]) == (503, ["rasa"])
    assert body["checks"]["rasa"]["detail"].startswith("0 of 2 servers answer")
