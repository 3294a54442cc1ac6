"""The way out, after a message that spoke of stopping but did not stop the learner.

The opt-out reader (``bot.messaging.optout.is_opt_out``) and NLU together
still miss a few requests to stop: about 1 in 30 of the final held-out set's
(README, Understanding). So when a learner's own words use the vocabulary of
stopping (``speaks_of_stopping``: "ou mèt sispann kounya", "apaguen los
mensajes") and the turn did not stop them, the answer ends with the way out:
"If you want no more messages, write STOP." in their language, once a turn,
and only where nothing the bot said in this turn names the keyword already.

Never after ``stop`` itself or ``start`` (its answer to a signed-up learner
names STOP). After the intents whose own answer settles the words of stopping,
coming back or going on (``resume``, ``next_lesson``), erasure (which asks to
confirm, and names STOP itself), a new time zone ("ya no estoy en Panamá"),
only when the message also asks in so many words to stop or to leave
(``asks_to_leave``): "me voy pa Venezuela la otra semana, ya no me manden
nada" read as a new time zone, "I'll keep learning on my own later,
unsubscribe me please" read as the next lesson.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.messaging.optout import asks_to_leave, speaks_of_stopping
from bot.models import Learner
from bot.text.i18n import marked as _
from bot.text.menus import stop_keyword
from nlu.actions.context import Turn, say

# The opt-out itself, and START, whose answer names the keyword.
NEVER_AFTER = frozenset({"stop", "start"})
SETTLED_BY_THEIR_ANSWER = NEVER_AFTER | {"resume", "next_lesson", "delete_data", "change_timezone"}
# Answers that name the keyword themselves: START's to a signed-up learner
# ("... or STOP for no more messages"), the menu ("STOP: no more messages") and
# the erasure question ("To stop the messages but keep your data, write STOP").
NAME_THE_KEYWORD = frozenset({"start", "help", "delete_data"})
REMINDER = _("If you want no more messages, write {keyword}.")


def wants_the_way_out(text: str, intent: str | None) -> bool:
    """Whether a message read as ``intent`` calls for the way out and its answer does not stop."""
    if not text or intent in NEVER_AFTER:
        return False
    if intent in SETTLED_BY_THEIR_ANSWER:
        return asks_to_leave(text)
    return speaks_of_stopping(text)


def told_the_way_out(text: str, intent: str | None) -> bool:
    """Whether a signed-up learner whose ``text`` was read as ``intent`` hears how to stop."""
    return intent in NAME_THE_KEYWORD or wants_the_way_out(text, intent)


def reminded(text: str, intent: str | None) -> bool:
    """Whether the answer to ``text`` read as ``intent`` ends with the reminder."""
    return intent not in NAME_THE_KEYWORD and wants_the_way_out(text, intent)


def remind_how_to_stop(
    turn: Turn,
    learner: Learner,
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    text: str,
    intent: str | None,
) -> None:
    """After an action's answer, the way out, if the learner's message called for it."""
    if not learner.is_reachable or not wants_the_way_out(text, intent):
        return
    answered = [_payload_text(message.get("custom")) for message in dispatcher.messages]
    if not any(answered):
        return  # this action said nothing (a hand-off note, another action answers)
    keyword = stop_keyword(turn.language)
    if any(keyword in said for said in answered + _said_this_turn(tracker)):
        return
    say(dispatcher, the_way_out(turn))


def the_way_out(turn: Turn) -> str:
    """ "If you want no more messages, write STOP." in the learner's language and keyword."""
    return turn.gettext()(REMINDER).format(keyword=stop_keyword(turn.language))


def _payload_text(payload: Any) -> str:
    return str(payload.get("text") or "") if isinstance(payload, dict) else ""


def _said_this_turn(tracker: Tracker) -> list[str]:
    """What the bot's earlier actions of this turn said (after the learner's message)."""
    said: list[str] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "bot":
            said.append(_payload_text((event.get("data") or {}).get("custom")))
    return said
