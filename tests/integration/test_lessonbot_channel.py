"""rasa_runtime.channel: the worker's door into Rasa records and does what Rasa's REST channel does.

The channel hands Rasa the parse of an ``/intent{...}`` text instead of
letting Rasa run its NLU graph on it. Each text below goes once through the
channel and once through Rasa's REST channel (which runs the whole graph),
for two new conversations: the two trackers must hold the same parse, and
the bot must answer and act the same.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from bot.ops.health import rasa_available
from tests.integration.conftest import RasaStack

pytestmark = pytest.mark.rasa

TEXTS = [
    # Every kind the worker sends (bot.messaging.keywords).
    '/choose_option{"option":"2"}',
    '/choose_option{"option":"10"}',
    "/stop",
    "/start",
    "/help",
    "/next_lesson",
    "/change_timezone",
    "/ask_human",
    "/delete_data",
    "/nlu_fallback",
    "/handoff_message",
    # Not accepted by the domain or not the pattern: the graph reads them as text.
    "/no_such_intent",
    '/choose_option{"option":',
    # A learner's own words: the graph, as always.
    "quiero la siguiente lección",
]


def rasa_get(stack: RasaStack, path: str) -> Any:
    answer = httpx.get(
        f"{stack.settings.rasa.url}{path}", params={"token": stack.settings.rasa.token}, timeout=30
    )
    answer.raise_for_status()
    return answer.json()


def graph_parse(stack: RasaStack, text: str) -> dict[str, Any]:
    answer = httpx.post(
        f"{stack.settings.rasa.url}/model/parse",
        params={"token": stack.settings.rasa.token},
        json={"text": text},
        timeout=30,
    )
    answer.raise_for_status()
    return answer.json()


def post_turn(stack: RasaStack, body: Any, channel: str = "lessonbot") -> httpx.Response:
    url = f"{stack.settings.rasa.url}/webhooks/{channel}/webhook"
    return httpx.post(url, json=body, timeout=60)


def tracker_events(stack: RasaStack, sender: str) -> list[dict[str, Any]]:
    return rasa_get(stack, f"/conversations/{sender}/tracker?include_events=ALL")["events"]


def recorded_user_event(stack: RasaStack, sender: str) -> dict[str, Any]:
    (user_event,) = [e for e in tracker_events(stack, sender) if e["event"] == "user"]
    return user_event


def without_message_id(parse: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in parse.items() if key != "message_id"}


def actions_run(stack: RasaStack, sender: str) -> list[str]:
    return [e["name"] for e in tracker_events(stack, sender) if e["event"] == "action"]


@pytest.mark.parametrize("text", TEXTS)
def test_the_channel_records_and_answers_as_rasas_rest_channel(
    rasa_stack: RasaStack, text: str
) -> None:
    ours, rests = ("channel-" + secrets.token_hex(6) for _ in range(2))

    answer = post_turn(rasa_stack, {"sender": ours, "message": text, "metadata": {}})
    rest_answer = post_turn(rasa_stack, {"sender": rests, "message": text, "metadata": {}}, "rest")

    assert answer.status_code == 200
    assert [m.get("text") for m in answer.json()] == [m.get("text") for m in rest_answer.json()]
    event, rest_event = (
        recorded_user_event(rasa_stack, ours),
        recorded_user_event(rasa_stack, rests),
    )
    assert event["input_channel"] == "lessonbot"
    assert event["text"] == rest_event["text"] == text
    assert without_message_id(event["parse_data"]) == without_message_id(rest_event["parse_data"])
    assert actions_run(rasa_stack, ours) == actions_run(rasa_stack, rests)


def test_the_graphs_parse_is_what_the_channel_records(rasa_stack: RasaStack) -> None:
    sender = "channel-" + secrets.token_hex(6)
    text = '/choose_option{"option":"2"}'

    post_turn(rasa_stack, {"sender": sender, "message": text})

    parse = without_message_id(recorded_user_event(rasa_stack, sender)["parse_data"])
    assert parse == graph_parse(rasa_stack, text) | {"metadata": {}}


def test_an_intent_text_is_recorded_with_its_intent_and_entity(rasa_stack: RasaStack) -> None:
    sender = "channel-" + secrets.token_hex(6)

    post_turn(rasa_stack, {"sender": sender, "message": '/choose_option{"option":"3"}'})

    parse = recorded_user_event(rasa_stack, sender)["parse_data"]
    assert parse["intent"] == {"name": "choose_option", "confidence": 1.0}
    assert [(e["entity"], e["value"]) for e in parse["entities"]] == [("option", "3")]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"message": "hola"}, "'sender'"),
        ({"sender": "", "message": "hola"}, "'sender'"),
        ({"sender": "channel-x"}, "'message'"),
        ({"sender": "channel-x", "message": 5}, "'message'"),
        ({"sender": "channel-x", "message": "hola", "metadata": "sms"}, "'metadata'"),
        (["channel-x", "hola"], "JSON object"),
    ],
)
def test_a_request_without_its_fields_is_refused_naming_the_field(
    rasa_stack: RasaStack, body: Any, field: str
) -> None:
    answer = post_turn(rasa_stack, body)

    assert answer.status_code == 400
    assert field in answer.json()["error"]


def test_readiness_finds_the_channel_on_the_real_server(rasa_stack: RasaStack) -> None:
    check = rasa_available(rasa_stack.settings)

    assert (check.ok, check.detail) == (True, "status 200")
