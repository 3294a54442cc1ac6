"""The app's door into Rasa: the REST channel's request and answer, without NLU for `/intent` texts.

The worker sends unambiguous input (a bare option number, STOP, MENU ...) as
an ``/intent{...}`` text (``bot.messaging.keywords``). Rasa 3.6.21 runs its
whole NLU graph on such a text (tokenizer, featurizers, DIET), and only the
graph's last node, ``RegexMessageHandler``, then puts the named intent in
place of DIET's. This channel reads the text with the function that node
calls (``YAMLStoryReader.unpack_regex_message``, against the loaded model's
domain) and hands Rasa the result as ``UserMessage.parse_data``: Rasa's own
way for a channel to pass a message already understood, which makes Rasa
skip the graph (``MessageProcessor._handle_message_with_tracker``). So the
tracker holds exactly what the graph would have written, for a fraction of
the CPU. Any other text, and an ``/intent`` the domain does not accept, goes
through the graph as before.

It is a custom channel (``credentials.yml``), Rasa's public interface for
one, and changes nothing in Rasa. Two differences from Rasa's REST channel:
a request without a sender or a text is refused with 400 naming the field,
and a failed turn is logged without the learner's text.
"""

from __future__ import annotations

import logging
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.domain import Domain
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

log = logging.getLogger(__name__)

# The name Rasa's graph gives the entities of an /intent text: that of its
# RegexMessageHandler node, which extracts them.
EXTRACTOR_NAME = "RegexMessageHandler"
INTENT_PREFIX = "/"


def given_parse(text: str, domain: Domain | None) -> dict[str, Any] | None:
    """What Rasa's graph makes of an ``/intent{...}`` text the domain accepts; None for any other.

    The same shape as ``MessageProcessor._parse_message_with_graph`` returns:
    its defaults, updated with the output properties of the message that
    ``RegexMessageHandler`` builds.
    """
    text = text.strip()
    if domain is None or not text.startswith(INTENT_PREFIX):
        return None
    unpacked = YAMLStoryReader.unpack_regex_message(
        Message({TEXT: text}), domain, entity_extractor_name=EXTRACTOR_NAME
    )
    if unpacked.get(INTENT) is None:
        # Unknown intent or not the /intent pattern: Rasa warns and reads it as text.
        return None
    parse: dict[str, Any] = {
        TEXT: "",
        INTENT: {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0},
        ENTITIES: [],
    }
    parse.update(unpacked.as_dict(only_output_properties=True))
    return parse


class BadTurnRequest(ValueError):
    """The request's body is not ``{"sender": ..., "message": ..., "metadata": {...}}``."""


def turn_fields(body: Any) -> tuple[str, str, dict[str, Any] | None]:
    """A JSON body's sender, text and metadata; ``BadTurnRequest`` names a bad field."""
    if not isinstance(body, dict):
        raise BadTurnRequest("the body must be a JSON object")
    sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata")
    if not isinstance(sender, str) or not sender:
        raise BadTurnRequest("'sender' must be a non-empty string")
    if not isinstance(text, str):
        raise BadTurnRequest("'message' must be a string")
    if metadata is not None and not isinstance(metadata, dict):
        raise BadTurnRequest("'metadata' must be an object")
    return sender, text, metadata


class LessonbotInput(InputChannel):
    """``POST /webhooks/lessonbot/webhook``: one turn, answered with the bot's messages."""

    @classmethod
    def name(cls) -> str:
        return "lessonbot"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("lessonbot_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text, metadata = turn_fields(request.json)
            except BadTurnRequest as error:
                return response.json({"error": str(error)}, status=400)
            domain = getattr(request.app.ctx.agent, "domain", None)
            collector = CollectingOutputChannel()
            message = UserMessage(
                text,
                collector,
                sender,
                parse_data=given_parse(text, domain),
                input_channel=self.name(),
                metadata=metadata,
            )
            # As Rasa's REST channel: a failed turn answers with what it had
            # sent so far. Unlike it, the log holds no learner's text.
            try:
                await on_new_message(message)
            except CancelledError:
                log.error("a turn timed out in Rasa")
            except Exception:
                log.exception("a turn failed in Rasa")
            return response.json(collector.messages)

        return webhook
