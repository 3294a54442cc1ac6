"""The base class of the learner's actions and small readers of the tracker."""

from __future__ import annotations

import hashlib
import logging
import unicodedata
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.models import Learner
from bot.vocab import LearnerStatus
from nlu.actions.context import Turn, open_turn
from nlu.actions.readers.options import parse_option
from nlu.actions.way_out import remind_how_to_stop

log = logging.getLogger(__name__)

FORM = "onboarding_form"
EXTERNAL_LESSON_DUE = "EXTERNAL_lesson_due"


class LearnerAction(Action, ABC):
    """An action about the tracker's learner, run inside one database transaction."""

    # Erased learners get no reply, except from the actions that say otherwise.
    runs_for_erased = False

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        with open_turn(tracker) as turn:
            if turn.learner is None:
                # Only the worker talks to Rasa, and it creates the learner first.
                log.warning("%s: no learner with id %s", self.name(), tracker.sender_id)
                return []
            if turn.learner.status == LearnerStatus.ERASED and not self.runs_for_erased:
                return []
            events = self.act(turn, turn.learner, dispatcher, tracker, domain)
            # Read after act(): the action may just have opted the learner out.
            remind_how_to_stop(
                turn,
                turn.learner,
                dispatcher,
                tracker,
                latest_text(tracker),
                latest_intent(tracker),
            )
            return events

    @abstractmethod
    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        """Do the action's work; the turn commits when it returns."""


def slot_events(domain: DomainDict, **values: Any) -> list[EventType]:
    """SlotSet events for the slots that exist in the domain (others are left out)."""
    slots = domain.get("slots", {})
    return [SlotSet(name, value) for name, value in values.items() if name in slots]


def latest_text(tracker: Tracker) -> str:
    """What the learner wrote; empty when the worker sent an intent instead.

    The worker escapes a "/" a learner types, so a leading "/" is always its
    own shortcut: "/nlu_fallback" for a message with no text (media only),
    '/choose_option{"option": "2"}' for a bare option (read from the entity).
    """
    text = str(tracker.latest_message.get("text") or "")
    return "" if text.startswith("/") else text


def latest_intent(tracker: Tracker) -> str | None:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name")


def metadata(tracker: Tracker) -> dict[str, Any]:
    return dict(tracker.latest_message.get("metadata") or {})


def is_external(tracker: Tracker) -> bool:
    """True for a turn the scheduler started (no learner message to answer)."""
    return latest_intent(tracker) == EXTERNAL_LESSON_DUE or bool(
        metadata(tracker).get("is_external")
    )


def in_onboarding(tracker: Tracker) -> bool:
    return tracker.active_loop_name == FORM


def entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return None if value is None else str(value)


def chosen_option(tracker: Tracker, max_options: int) -> int | None:
    """The option the learner chose: the NLU's `option` entity, else the raw text."""
    for value in tracker.get_latest_entity_values("option"):
        number = parse_option(str(value), max_options)
        if number is not None:
            return number
    return parse_option(latest_text(tracker), max_options)


def message_sid(tracker: Tracker) -> str:
    """The inbound message's MessageSid, which makes grading a replay safe.

    The worker always sends it; a turn without one (Rasa shell, tests) gets a
    stable key from the learner and the user event's time instead.
    """
    sid = metadata(tracker).get("message_sid")
    if sid:
        return str(sid)
    user_event = tracker.get_last_event_for("user") or {}
    seed = f"{tracker.sender_id}:{user_event.get('timestamp')}:{latest_text(tracker)}"
    return "local-" + hashlib.sha256(seed.encode()).hexdigest()[:40]


def has_no_words(text: str) -> bool:
    """True for an empty message, media only, or only emoji and punctuation."""
    return not any(unicodedata.category(ch)[0] in "LN" for ch in text)
