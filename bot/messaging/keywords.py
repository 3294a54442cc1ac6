"""What the worker sends to Rasa for a learner's message.

Unambiguous input skips NLU: a bare option number or letter, and exact keywords
(STOP, MENU, ZONE, ...) become ``/intent{...}`` messages. Everything else goes through
NLU, with leading slashes stripped so that a learner cannot inject an intent.

A bare number becomes ``/choose_option{"option": "2"}`` in every state: during
onboarding the form's slot mappings read the ``option`` entity too, so "2"
still fills the form.
"""

from __future__ import annotations

import json
import re
import unicodedata

from bot.messaging.optout import is_opt_out

# A message with nothing to understand (media only, empty, only slashes) goes
# to the fallback, which offers the menu in the learner's language.
# ``nlu_fallback`` is an intent of the domain, so this is deterministic, where a
# marker text such as "[media]" would be classified by NLU like any other text.
NOTHING_TO_UNDERSTAND = "/nlu_fallback"

OPTION_LETTERS = "abcd"
_KEYWORD_INTENTS = {
    "stop": ("stop", "baja", "alto", "parar", "cancelar", "arret", "unsubscribe"),
    "start": ("start", "alta"),
    "next_lesson": ("siguiente", "next", "suivant", "pwochen"),
    "help": ("menu", "ayuda", "help", "aide", "ed"),
    "change_timezone": ("zona", "zone", "zon", "timezone"),
}
KEYWORDS = {word: intent for intent, words in _KEYWORD_INTENTS.items() for word in words}
STOP = "/stop"

# "2", "2.", "2)", "b", "B)" ... but not "2 y 3" or "b no". Digits go up to 9
# for the longer menus (the countries of the time zone menu); letters stop at d.
_BARE_OPTION = re.compile(r"^([1-9]|[a-d])[.)]?$")
_LEADING_SLASHES = re.compile(r"^[\s/]+")


def fast_path(text: str) -> str | None:
    """Map unambiguous input to an ``/intent{...}`` message, else None."""
    word = _normalise(text)
    option = _BARE_OPTION.match(word)
    if option:
        value = option.group(1)
        number = value if value.isdigit() else str(OPTION_LETTERS.index(value) + 1)
        return "/choose_option" + json.dumps({"option": number}, separators=(",", ":"))
    intent = KEYWORDS.get(word.rstrip(".!"))
    return f"/{intent}" if intent else None


def escape(text: str) -> str:
    """Strip leading slashes (and the spaces around them): no intent injection."""
    return _LEADING_SLASHES.sub("", text).strip()


def rasa_text(body: str | None) -> str:
    """The text the worker sends to Rasa for a learner's message body."""
    text = escape(body or "")
    if not text:
        return NOTHING_TO_UNDERSTAND
    if asks_to_stop(text):
        # The learner was opted out as the message was stored
        # (bot.messaging.ingest): Rasa must run the opt-out too, whatever NLU
        # would make of the words, so that the learner gets its confirmation.
        return STOP
    return fast_path(text) or text


def asks_to_stop(body: str | None) -> bool:
    """Whether the message asks to stop all messages: a STOP keyword or the opt-out reader."""
    text = escape(body or "")
    return bool(text) and (fast_path(text) == STOP or is_opt_out(text))


def _normalise(text: str) -> str:
    """Lower case, no accents, no surrounding spaces: "  Arrêt " -> "arret"."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
