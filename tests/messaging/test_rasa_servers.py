"""Several Rasa servers: each learner to one of them, stably, and to the next when it is down.

Two loopback stand-ins play two Rasa servers at the network edge; a closed
port is a server killed (connection refused), a slow answer a server hung.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.messaging.rasa_client import (
    SET_ASIDE_SECONDS,
    RasaClient,
    RasaUnavailable,
    server_order,
)
from bot.settings import Settings, SettingsError
from tests.conftest import make_test_settings
from tests.fakes import Answer, Recorded, StandInServer, closed_port_url, rasa_echo

METADATA = {"channel": "sms", "language": "es", "message_sid": "SM1"}
LEARNERS = [f"L{n:04d}" for n in range(200)]
SHARED = {
    "rasa.tracker_store_url": "postgresql://rasa@127.0.0.1:5432/rasa_tracker",
    "rasa.lock_store_url": "redis://127.0.0.1:6379/1",
}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client_for(tmp_path: Path, clock: Clock) -> Iterator:  # type: ignore[type-arg]
    clients: list[RasaClient] = []

    def make(*urls: str, timeout: float = 20.0) -> RasaClient:
        settings = make_test_settings(
            tmp_path, {**SHARED, "rasa.urls": list(urls), "rasa.timeout_seconds": timeout}
        )
        clients.append(RasaClient(settings, clock=clock))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


def senders(server: StandInServer) -> list[str]:
    return [request.json()["sender"] for request in server.requests]


def test_each_learner_always_goes_to_the_same_server_and_both_get_learners(client_for):
    with StandInServer(rasa_echo) as first, StandInServer(rasa_echo) as second:
        client = client_for(first.url, second.url)
        for learner in LEARNERS + LEARNERS:
            client.send_message(learner, "hola", METADATA)

    by_first, by_second = Counter(senders(first)), Counter(senders(second))
    assert not set(by_first) & set(by_second), "a learner's turns went to both servers"
    assert set(by_first) | set(by_second) == set(LEARNERS)
    assert all(count == 2 for count in (by_first + by_second).values())
    # Hashing spreads them: neither server has fewer than a third.
    assert min(len(by_first), len(by_second)) > len(LEARNERS) / 3


def test_losing_one_server_of_three_moves_only_its_own_learners() -> None:
    servers = ["http://rasa-a:5005", "http://rasa-b:5005", "http://rasa-c:5005"]
    before = {learner: server_order(servers, learner)[0] for learner in LEARNERS}
    after = {learner: server_order(servers[:2], learner)[0] for learner in LEARNERS}

    moved = [learner for learner in LEARNERS if before[learner] != after[learner]]
    assert moved
    assert all(before[learner] == servers[2] for learner in moved)


def test_a_refused_connection_sends_the_turn_to_the_next_server_at_once(client_for, clock):
    with StandInServer(rasa_echo) as alive:
        dead = closed_port_url()
        client = client_for(dead, alive.url)
        on_dead = [learner for learner in LEARNERS if client.servers_for(learner)[0] == dead]

        replies = [client.send_message(learner, "hola", METADATA) for learner in on_dead]

    assert on_dead
    assert [r[0]["custom"]["text"] for r in replies] == ["echo: hola"] * len(on_dead)
    assert senders(alive) == on_dead


def test_a_server_that_times_out_is_not_sent_the_turn_again_but_set_aside(client_for, clock):
    def hung(request: Recorded) -> Answer:
        time.sleep(1.5)
        return rasa_echo(request)

    with StandInServer(hung) as slow, StandInServer(rasa_echo) as fast:
        client = client_for(slow.url, fast.url, timeout=0.5)
        learner = next(x for x in LEARNERS if client.servers_for(x)[0] == slow.url)

        # It may have run on the hung server: re-sending it elsewhere could run it twice.
        with pytest.raises(RasaUnavailable) as raised:
            client.send_message(learner, "hola", METADATA)
        assert raised.value.reached
        assert senders(fast) == []

        # The worker's retry goes to the other server while the hung one is set aside.
        assert client.send_message(learner, "hola", METADATA)[0]["recipient_id"] == learner
        assert senders(fast) == [learner]

        # Once the time is up, the learner goes back to their own server.
        clock.now += SET_ASIDE_SECONDS + 1
        assert client.servers_for(learner)[0] == slow.url


def test_with_every_server_down_the_turn_waits(client_for):
    client = client_for(closed_port_url(), closed_port_url())

    with pytest.raises(RasaUnavailable) as raised:
        client.send_message("L0001", "hola", METADATA)

    assert not raised.value.reached  # it ran nowhere: the worker tries again later


def test_trigger_intent_fails_over_too(client_for):
    def trigger(request: Recorded) -> Answer:
        return 200, {"tracker": {}, "messages": [{"recipient_id": "x", "text": "ok"}]}, {}

    with StandInServer(trigger) as alive:
        client = client_for(closed_port_url(), alive.url)
        for learner in LEARNERS[:20]:
            assert client.trigger_intent(learner, "EXTERNAL_lesson_due")[0]["text"] == "ok"

    assert len(alive.requests) == 20


def test_one_url_is_still_one_server(tmp_path: Path) -> None:
    settings = make_test_settings(tmp_path, {"rasa.url": "http://127.0.0.1:5999/"})

    assert settings.rasa.servers == ("http://127.0.0.1:5999",)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"rasa.urls": ["http://127.0.0.1:5005", "http://127.0.0.1:5005"]},
            "listed twice",
        ),
        (
            {"rasa.urls": ["http://127.0.0.1:5005", "http://127.0.0.1:5006"]},
            "shared lock store",
        ),
        (
            {
                "rasa.urls": ["http://127.0.0.1:5005", "http://127.0.0.1:5006"],
                "rasa.lock_store_url": "redis://127.0.0.1:6379/1",
            },
            "shared tracker store",
        ),
        ({"rasa.urls": ["ftp://rasa:5005"]}, "http"),
        ({"rasa.lock_store_url": "memcached://127.0.0.1"}, "redis"),
        ({"rasa.tracker_store_url": "mysql://rasa@db/rasa"}, "postgresql"),
        ({"rasa.tracker_store_url": "postgresql://rasa:hunter2@db/rasa"}, "no password"),
    ],
)
def test_settings_refuse_a_topology_that_cannot_work(
    tmp_path: Path, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        make_test_settings(tmp_path, overrides)

    assert message in str(refused.value)
    assert "hunter2" not in str(refused.value)


def test_several_servers_from_the_environment(tmp_path: Path) -> None:
    from bot.settings import load_settings

    environ = {
        "LESSONBOT_RASA_URLS": "http://10.0.0.5:5005,http://10.0.0.6:5005",
        "LESSONBOT_RASA_TRACKER_STORE_URL": SHARED["rasa.tracker_store_url"],
        "LESSONBOT_RASA_LOCK_STORE_URL": SHARED["rasa.lock_store_url"],
    }
    settings: Settings = load_settings(environ=environ, with_secrets=False)

    assert settings.rasa.servers == ("http://10.0.0.5:5005", "http://10.0.0.6:5005")


def test_a_server_without_the_lessonbot_channel_hands_its_learners_to_the_next(client_for):
    def no_channel(request: Recorded) -> Answer:
        return 404, {"description": "Not Found"}, {}

    with StandInServer(no_channel) as bare, StandInServer(rasa_echo) as good:
        client = client_for(bare.url, good.url)
        for learner in LEARNERS[:40]:
            assert client.send_message(learner, "hola", METADATA)

    # Each learner whose first server lacks the channel was tried there once,
    # then (set aside) not again; every turn ran on the good server.
    assert Counter(senders(good)) == Counter(LEARNERS[:40])
    assert len(bare.requests) == 1
