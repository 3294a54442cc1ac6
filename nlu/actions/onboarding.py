"""Onboarding: language, consent to the privacy notice, course, delivery time and days.

The form (nlu/domain.yml, onboarding_form) asks with the action_ask_<slot>
actions below and validates with ValidateOnboardingForm, which saves each
answer to the database at once: the language first, so that the privacy notice
and every later prompt are in the learner's own language. A "no" to consent
ends the form early; action_finish_onboarding then says how to come back.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from bot.learners import lifecycle, progress, schedule
from bot.learners.localtime import EVERY_DAY
from bot.models import Learner
from bot.text.i18n import gettext_for
from bot.text.languages import LANGUAGE_NAMES, LANGUAGES
from nlu.actions.base import LearnerAction, latest_text, slot_events
from nlu.actions.context import Turn, open_turn, say
from nlu.actions.lessons_flow import deliver_next
from nlu.actions.readers.options import (
    normalise,
    parse_language,
    parse_option,
    parse_yes_no,
)
from nlu.actions.readers.timeparse import PRESET_DAYS, PRESET_TIMES, parse_time, parse_weekdays
from nlu.actions.texts import course_title, format_clock, format_days

_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_DAY_MASK = re.compile(r"^(?=.*1)[01]{7}$")
# Words that name a course, accents removed (see _course_from_text).
_COURSE_WORDS = {
    "entrepreneurship": ("emprend", "negocio", "business", "entrepren", "biznis", "antrepren"),
    "digital_safety": ("segur", "safe", "secur", "sekirite", "digital", "numeri", "dijital"),
}


class ActionAskLanguage(LearnerAction):
    """The language menu, in all four languages at once."""

    def name(self) -> str:
        return "action_ask_language"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        text = " / ".join(_choose_your_language(code) for code in LANGUAGES)
        say(dispatcher, text, [LANGUAGE_NAMES[code] for code in LANGUAGES])
        return []


def _choose_your_language(language: str) -> str:
    _ = gettext_for(language)
    return _("Choose your language")


class ActionAskConsent(LearnerAction):
    """The privacy notice, and whether the learner agrees."""

    def name(self) -> str:
        return "action_ask_consent"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        notice = _(
            "Privacy: we keep your number encrypted and your answers, to follow your "
            "progress. Messages are deleted after {days} days. Write DELETE at any time "
            "to erase everything."
        ).format(days=turn.settings.app.message_retention_days)
        say(dispatcher, notice + "\n" + _("Do you agree?"), [_("Yes"), _("No")])
        return []


class ActionAskCourse(LearnerAction):
    def name(self) -> str:
        return "action_ask_course"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        courses = progress.ordered_courses(turn.catalog)
        titles = [course_title(course, turn.language) for course in courses]
        say(dispatcher, _("Which course do you want to start?"), titles)
        return []


class ActionAskDeliveryTime(LearnerAction):
    def name(self) -> str:
        return "action_ask_delivery_time"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        morning, midday, afternoon, evening = (
            format_clock(preset, turn.language) for preset in PRESET_TIMES
        )
        say(
            dispatcher,
            _("What time do you want your lessons? Choose one, or write a time like 6:30 pm."),
            [
                _("Morning, {time}").format(time=morning),
                _("Midday, {time}").format(time=midday),
                _("Afternoon, {time}").format(time=afternoon),
                _("Evening, {time}").format(time=evening),
            ],
        )
        return []


class ActionAskDeliveryDays(LearnerAction):
    def name(self) -> str:
        return "action_ask_delivery_days"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        say(
            dispatcher,
            _(
                "Which days do you want your lessons? Choose one, or write the days, "
                "like: mon wed fri"
            ),
            [_("Every day"), _("Monday to Friday"), _("Weekends only")],
        )
        return []


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
                _ = turn.gettext()
                say(dispatcher, _("Sorry, I didn't get the time."))
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
                _ = turn.gettext()
                say(dispatcher, _("Sorry, I didn't get the days."))
                return {"delivery_days": None}
            if turn.learner is not None:
                schedule.choose_days(turn.learner, days)
        return {"delivery_days": days}


def _didnt_understand(turn: Turn, dispatcher: CollectingDispatcher) -> None:
    _ = turn.gettext()
    say(dispatcher, _("Sorry, I didn't get that."))


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


class ActionFinishOnboarding(LearnerAction):
    """Enrol, confirm the schedule and send the first lesson (or, without consent, say goodbye)."""

    def name(self) -> str:
        return "action_finish_onboarding"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        course_key = learner.course_key or tracker.get_slot("course")
        delivery_time = learner.delivery_time or tracker.get_slot("delivery_time")
        # Stored by the form's validation (the column's default is every day).
        delivery_days = learner.delivery_days or EVERY_DAY
        if (
            tracker.get_slot("consent") is not True
            or learner.consent_at is None
            or not (course_key and delivery_time)
        ):
            lifecycle.record_consent(learner, None)
            say(
                dispatcher,
                _("No problem: you will not get lessons. If you change your mind, write HELLO."),
            )
            return slot_events(
                domain, consent=None, course=None, delivery_time=None, delivery_days=None
            )

        progress.enrol(turn.session, learner, course_key, turn.now)
        schedule.choose_time(learner, delivery_time)
        lifecycle.activate(learner)
        course = turn.catalog.course(course_key)
        say(
            dispatcher,
            "\n".join(
                [
                    _('All set! Your course: "{course}".').format(
                        course=course_title(course, turn.language)
                    ),
                    _schedule_line(turn, delivery_time, delivery_days),
                    _("Write MENU at any time to see what you can do."),
                ]
            ),
        )
        # Lesson 1 comes now, whatever the day; record_lesson_sent then puts
        # the next one on the learner's next chosen day.
        deliver_next(turn, learner, dispatcher, external=False)
        return slot_events(domain, onboarded=True)


def _schedule_line(turn: Turn, delivery_time: str, delivery_days: str) -> str:
    _ = turn.gettext()
    when = format_clock(delivery_time, turn.language)
    if delivery_days == EVERY_DAY:
        return _("Your lessons will come every day at {time}.").format(time=when)
    return _("Your lessons will come at {time}, on these days: {days}.").format(
        time=when, days=format_days(delivery_days, turn.language)
    )
