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
    # A person from the team (bot.inbox). Not French "personne", which alone
    # also means "nobody"; "humain" and "agent" say it without doubt.
    "ask_human": ("persona", "agente", "humano", "person", "human", "agent", "humain", "moun"),
    # The erasure words of the menu; the confirmation question follows.
    "delete_data": ("borrar", "delete", "supprimer", "efase"),
}
KEYWORDS = {word: intent for intent, words in _KEYWORD_INTENTS.items() for word in words}
STOP = "/stop"
START = "/start"
DELETE_DATA = "/delete_data"
# A learner's message while staff have the conversation: noted, not answered.
HANDOFF_MESSAGE = "/handoff_message"
# What still reaches the bot during a hand-off: the account keywords.
_ACCOUNT_KEYWORDS = (STOP, START, DELETE_DATA)

# "2", "2.", "2)", "b", "B)" ... but not "2 y 3" or "b no". Numbers go up to 10
# for the longer menus (a WhatsApp list holds ten); letters stop at d.
_BARE_OPTION = re.compile(r"^(10|[1-9]|[a-d])[.)]?$")
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


def handoff_text(body: str | None, *, quiz_pending: bool, answers_erasure: bool) -> str:
    """What the worker sends to Rasa while staff have the learner's conversation.

    Everything goes to the inbox unanswered (``/handoff_message``), except what
    must work at once: STOP and the other opt-out words, START, the erasure
    keyword and the answer to its question (``answers_erasure``: the learner's
    previous message was that keyword), and a bare option while a quiz
    question is pending (lessons may go on during a hand-off).
    """
    text = rasa_text(body)
    if answers_erasure or text in _ACCOUNT_KEYWORDS:
        return text
    if quiz_pending and text.startswith("/choose_option"):
        return text
    return HANDOFF_MESSAGE


def asks_to_erase(body: str | None) -> bool:
    """Whether the message is the erasure keyword alone (BORRAR, DELETE, SUPPRIMER, EFASE)."""
    return fast_path(escape(body or "")) == DELETE_DATA


def asks_to_stop(body: str | None) -> bool:
    """Whether the message asks to stop all messages: a STOP keyword or the opt-out reader."""
    text = escape(body or "")
    return bool(text) and (fast_path(text) == STOP or is_opt_out(text))


def _normalise(text: str) -> str:
    """Lower case, no accents, no surrounding spaces: "  Arrêt " -> "arret"."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
