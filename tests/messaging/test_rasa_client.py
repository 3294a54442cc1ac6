"""The Rasa client's side of the HTTP contract, and how it reads failures.

A loopback stand-in answers the way Rasa 3.6's server does (its REST channel,
``trigger_intent``, its error statuses); this checks our requests and the
errors we raise. What a real Rasa server makes of them is checked in
``tests/integration`` (marked ``rasa``).
"""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest

from bot.messaging.rasa_client import RasaRejected, RasaUnavailable
from bot.settings import Settings
from tests.conftest import make_test_settings
from tests.fakes import Answer, Recorded, StandInServer, closed_port_url

METADATA = {"channel": "sms", "language": "es", "message_sid": "SM1"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """No app database needed: only Rasa's tracker store, which starts empty."""
    return make_test_settings(tmp_path)


def test_a_turn_posts_to_the_lessonbot_channel(rasa_at):
    payload = {"text": "¡Hola!", "kind": "reply"}

    def answer(request: Recorded) -> Answer:
        return 200, [{"recipient_id": "L1", "custom": payload}], {}

    with StandInServer(answer) as rasa:
        messages = rasa_at(rasa.url).send_message("L1", "hola", METADATA)

    assert messages == [{"recipient_id": "L1", "custom": payload}]
    (request,) = rasa.requests
    assert request.path == "/webhooks/lessonbot/webhook"
    assert request.json() == {"sender": "L1", "message": "hola", "metadata": METADATA}


def test_trigger_intent_sends_the_token_and_returns_the_messages(rasa_at):
    def answer(request: Recorded) -> Answer:
        reply = {"recipient_id": "L1", "custom": {"text": "Lección 2", "kind": "lesson"}}
        return 200, {"tracker": {}, "messages": [reply]}, {}

    with StandInServer(answer) as rasa:
        messages = rasa_at(rasa.url).trigger_intent(
            "L1", "EXTERNAL_lesson_due", {"course": "entrepreneurship"}
        )

    assert messages[0]["custom"]["text"] == "Lección 2"
    (request,) = rasa.requests
    assert request.path == "/conversations/L1/trigger_intent"
    assert request.query["token"] == ["test-rasa-token"]
    assert request.json() == {
        "name": "EXTERNAL_lesson_due",
        "entities": {"course": "entrepreneurship"},
    }


@pytest.mark.parametrize(
    ("status", "error", "reached"),
    [
        (409, RasaUnavailable, False),  # "No agent loaded": Rasa is still starting
        (500, RasaUnavailable, True),
        (503, RasaUnavailable, True),
        (400, RasaRejected, None),
        (401, RasaRejected, None),
        # A Rasa started without the lessonbot channel: the turn never ran.
        (404, RasaUnavailable, False),
    ],
)
def test_statuses_say_whether_to_retry(rasa_at, status, error, reached):
    answer = (status, {"message": "no"}, {})
    with StandInServer(lambda request: answer) as rasa, pytest.raises(error) as raised:
        rasa_at(rasa.url).send_message("L1", "hola", METADATA)
    if reached is not None:
        assert raised.value.reached is reached


def test_a_missing_channel_is_named_and_trigger_intent_404_stays_a_bug(rasa_at):
    answer = (404, {"description": "Not Found"}, {})
    with StandInServer(lambda request: answer) as rasa:
        client = rasa_at(rasa.url)
        with pytest.raises(RasaUnavailable, match="no lessonbot channel: start Rasa with"):
            client.send_message("L1", "hola", METADATA)
        with pytest.raises(RasaRejected, match="HTTP 404"):
            client.trigger_intent("L1", "EXTERNAL_lesson_due")


def test_a_refused_connection_never_reached_rasa(rasa_at):
    with pytest.raises(RasaUnavailable) as raised:
        rasa_at(closed_port_url()).send_message("L1", "hola", METADATA)
    assert raised.value.reached is False


def test_a_connection_dropped_after_the_request_may_have_run_the_turn(rasa_at):
    """Rasa read the message, then the connection died: the turn may have run there."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        received: list[bytes] = []

        def read_then_hang_up() -> None:
            connection, _ = listener.accept()
            with connection:
                received.append(connection.recv(65536))

        thread = threading.Thread(target=read_then_hang_up, daemon=True)
        thread.start()
        port = listener.getsockname()[1]
        with pytest.raises(RasaUnavailable) as raised:
            rasa_at(f"http://127.0.0.1:{port}").send_message("L1", "hola", METADATA)
        thread.join(timeout=5)

    assert received and received[0].startswith(b"POST /webhooks/lessonbot/webhook?token=")
    assert raised.value.reached is True


def test_a_server_behind_a_path_keeps_the_path(rasa_at):
    """``rasa.url`` may name Rasa behind a proxy, at a path: every request goes under it."""

    def answer(request: Recorded) -> Answer:
        return 200, [], {}

    with StandInServer(answer) as rasa:
        assert rasa_at(rasa.url + "/rasa/").send_message("L1", "hola", METADATA) == []

    (request,) = rasa.requests
    assert request.path == "/rasa/webhooks/lessonbot/webhook"
    assert request.query["token"] == ["test-rasa-token"]


def test_an_answer_of_the_wrong_shape_is_a_bug(rasa_at):
    answer = (200, {"not": "a list"}, {})
    with StandInServer(lambda request: answer) as rasa, pytest.raises(RasaRejected):
        rasa_at(rasa.url).send_message("L1", "hola", METADATA)


def test_deleting_a_tracker_rasa_never_stored_deletes_nothing(rasa_at):
    assert rasa_at(closed_port_url()).tracker_store.delete_conversation("L1") == 0
