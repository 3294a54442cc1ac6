"""Onboarding's answers: each read in the learner's words, checked and saved at once.

The form (nlu/domain.yml, onboarding_form) asks with the action_ask_<slot>
actions of ``nlu.actions.onboarding``; ``ValidateOnboardingForm`` turns each
answer into a value ("2" → "en", "sí" → True), saves it, or says what was
wrong so that the form asks again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from bot.learners import lifecycle, progress, schedule
from nlu.actions.base import latest_text
from nlu.actions.context import Turn, open_turn, say
from nlu.actions.readers.options import (
    normalise,
    parse_language,
    parse_option,
    parse_yes_no,
)
from nlu.actions.readers.timeparse import PRESET_DAYS, PRESET_TIMES, parse_time, parse_weekdays

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_DAY_MASK = re.compile(r"^(?=.*1)[01]{7}$")
# Words that name a course, accents removed (see _course_from_text).
_COURSE_WORDS = {
    "entrepreneurship": ("emprend", "negocio", "business", "entrepren", "biznis", "antrepren"),
    "digital_safety": ("segur", "safe", "secur", "sekirite", "digital", "numeri", "dijital"),
}


class ValidateOnboardingForm(FormValidationAction):
    """Turn each answer into a value ("2" → "en", "sí" → True), save it, or ask again.

    The domain fills the slots from entities only while the form asks for
    them; the extract_ methods below also read the raw text, so that "inglés"
    or "si" count even when the NLU found no entity.
    """

    def name(self) -> str:
        return "validate_onboarding_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        if tracker.slots.get("consent") is False:
            # No consent: nothing more is asked and nothing more is stored.
            return [slot for slot in domain_slots if slot in ("language", "consent")]
        return domain_slots

    # --- reading answers the NLU left without an entity ---------------------

    def _unanswered(self, tracker: Tracker, domain: DomainDict, slot: str) -> str | None:
        """The text to read for ``slot``: only while it is asked and nothing filled it.

        A message whose intent the form ignores (STOP, DELETE, a question) is
        never read as an answer: "ya no quiero mensajes" must opt out, not
        count as "no" to the privacy notice.
        """
        if tracker.get_slot("requested_slot") != slot or slot in tracker.slots_to_validate():
            return None
        ignored = domain.get("forms", {}).get(self.form_name(), {}).get("ignored_intents", [])
        if (tracker.latest_message.get("intent") or {}).get("name") in ignored:
            return None
        return latest_text(tracker) or None

    def extract_language(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        code = parse_language(self._unanswered(tracker, domain, "language"))
        return {"language": code} if code else {}

    def extract_consent(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = parse_yes_no(self._unanswered(tracker, domain, "consent"))
        return {} if answer is None else {"consent": answer}

    def extract_course(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = self._unanswered(tracker, domain, "course")
        if text is None:
            return {}
        with open_turn(tracker) as turn:
            key = _course_from_text(text, [c.key for c in progress.ordered_courses(turn.catalog)])
        return {"course": key} if key else {}

    def extract_delivery_days(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # The domain's from_text mapping skips affirm and deny, which
        # "todos los días" may be read as; days named here still count.
        text = self._unanswered(tracker, domain, "delivery_days")
        return {"delivery_days": text} if text and _days_from_text(text, "") else {}

    # --- validation: save, or say what was wrong (the form asks again) ------

    def validate_language(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        with open_turn(tracker) as turn:
            code = value if value in turn.settings.languages.supported else None
            code = code or parse_language(str(value))
            if code is None:
                _didnt_understand(turn, dispatcher)
                return {"language": None}
            if turn.learner is not None:
                lifecycle.choose_language(turn.learner, code)
        return {"language": code}

    def validate_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = value if isinstance(value, bool) else parse_yes_no(str(value))
        with open_turn(tracker) as turn:
            if answer is None:
                _didnt_understand(turn, dispatcher)
                return {"consent": None}
            if turn.learner is not None:
                lifecycle.record_consent(turn.learner, turn.now if answer else None)
        return {"consent": answer}

    def validate_course(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        with open_turn(tracker) as turn:
            keys = [course.key for course in progress.ordered_courses(turn.catalog)]
            key = _course_from_text(str(value), keys)
            if key is None:
                _didnt_understand(turn, dispatcher)
                return {"course": None}
            if turn.learner is not None:
                progress.choose_course(turn.learner, key)
        return {"course": key}

    def validate_delivery_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        with open_turn(tracker) as turn:
            hhmm = _time_from_text(str(value), turn.language)
            if hhmm is None:
                say(dispatcher, sorry_for("delivery_time", turn.gettext()))
                return {"delivery_time": None}
            if turn.learner is not None:
                schedule.choose_time(turn.learner, hhmm)
        return {"delivery_time": hhmm}

    def validate_delivery_days(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        with open_turn(tracker) as turn:
            days = _days_from_text(str(value), latest_text(tracker))
            if days is None:
                say(dispatcher, sorry_for("delivery_days", turn.gettext()))
                return {"delivery_days": None}
            if turn.learner is not None:
                schedule.choose_days(turn.learner, days)
        return {"delivery_days": days}


def _didnt_understand(turn: Turn, dispatcher: CollectingDispatcher) -> None:
    say(dispatcher, sorry_for(None, turn.gettext()))


def sorry_for(question: str | None, _: Callable[[str], str]) -> str:
    """The sorry before the form asks ``question`` (a slot) again, naming it when it can.

    Also said by action_fallback when the answer was read as another intent
    ("pizza" to the days question may come back as a no): the same words.
    """
    if question == "delivery_days":
        return _("Sorry, I didn't get the days.")
    if question == "delivery_time":
        return _("Sorry, I didn't get the time.")
    return _("Sorry, I didn't get that.")


def _course_from_text(text: str, keys: list[str]) -> str | None:
    """A course key from a key, its menu number or words of its name."""
    if text in keys:
        return text
    number = parse_option(text, max_options=len(keys))
    if number is not None:
        return keys[number - 1]
    plain = normalise(text)
    matches = {
        key
        for key, words in _COURSE_WORDS.items()
        if key in keys and any(word in plain for word in words)
    }
    return matches.pop() if len(matches) == 1 else None


def _days_from_text(value: str, text: str) -> str | None:
    """A day mask from the days the learner wrote, a menu number (1-3) or a valid mask.

    The learner's own words come first: the NLU may read the "a" of
    "lunes a viernes" as option 1.
    """
    for candidate in (text, value):
        days = parse_weekdays(candidate)
        if days is not None:
            return days
    number = parse_option(value, max_options=len(PRESET_DAYS))
    if number is not None:
        return PRESET_DAYS[number - 1]
    return value if _DAY_MASK.match(value) else None


def _time_from_text(text: str, language: str) -> str | None:
    """ "HH:MM" from a menu number (1-4), an already valid "HH:MM", or free text."""
    number = parse_option(text, max_options=len(PRESET_TIMES))
    if number is not None:
        return PRESET_TIMES[number - 1]
    if _HHMM.match(text.strip()):
        return text.strip()
    return parse_time(text, language)
