"""The learner's settings: language, time of the lessons, pause and resume."""

from __future__ import annotations

from datetime import timedelta

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.learners import lifecycle, schedule
from bot.learners.localtime import EVERY_DAY
from bot.models import Learner
from bot.text.i18n import gettext_for, ngettext_for
from bot.text.languages import LANGUAGE_NAMES, LANGUAGES
from nlu.actions.base import LearnerAction, entity, latest_text, slot_events
from nlu.actions.context import Turn, say
from nlu.actions.readers.options import parse_language
from nlu.actions.readers.timeparse import parse_days, parse_time, parse_weekdays
from nlu.actions.texts import format_clock, format_days


class ActionChangeLanguage(LearnerAction):
    """LANGUAGE English: switch, and confirm in the new language."""

    def name(self) -> str:
        return "action_change_language"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        value = entity(tracker, "language")
        code = value if value in turn.settings.languages.supported else None
        code = code or parse_language(value) or parse_language(latest_text(tracker))
        if code is None:
            _ = turn.gettext()
            names = ", ".join(LANGUAGE_NAMES[c] for c in LANGUAGES)
            say(
                dispatcher,
                _("Which language? Write LANGUAGE and one of: {names}.").format(names=names),
            )
            return []
        lifecycle.choose_language(learner, code)
        _ = gettext_for(code)
        say(dispatcher, _("Done! From now on I will write to you in English."))
        return slot_events(domain, language=code)


class ActionChangeTime(LearnerAction):
    """TIME 7pm, "a las 7 de la noche": the new time of the daily lesson."""

    def name(self) -> str:
        return "action_change_time"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        hhmm = parse_time(entity(tracker, "delivery_time"), turn.language) or parse_time(
            latest_text(tracker), turn.language
        )
        days = parse_weekdays(latest_text(tracker))
        if hhmm is None and days is None:
            say(dispatcher, _('What time? Write TIME and the hour, like "TIME 7 pm".'))
            return []
        schedule.change_preferences(
            learner, turn.now, turn.settings, delivery_time=hhmm, delivery_days=days
        )
        say(dispatcher, schedule_confirmation(turn, hhmm, days))
        return slot_events(domain, delivery_time=hhmm) if hhmm else []


def schedule_confirmation(turn: Turn, hhmm: str | None, days: str | None) -> str:
    """What changed: the time, the days of the week, or both."""
    _ = turn.gettext()
    when = format_clock(hhmm, turn.language) if hhmm else ""
    if days is None:
        return _("Done! Your lessons will come at {time}.").format(time=when)
    if days == EVERY_DAY:
        if hhmm:
            return _("Done! Your lessons will come every day at {time}.").format(time=when)
        return _("Done! Your lessons will come every day.")
    on = format_days(days, turn.language)
    if hhmm:
        return _("Done! Your lessons will come at {time}, on these days: {days}.").format(
            time=when, days=on
        )
    return _("Done! Your lessons will come on these days: {days}.").format(days=on)


class ActionPause(LearnerAction):
    """PAUSE, PAUSA 3, "pause 2 weeks": no lessons for that many days (7 by default).

    A pause with an end keeps the learner active with ``paused_until`` set: the
    next slot is the first after it, so the pause ends by itself (see the
    Learner model; status PAUSED is for a pause with no end).
    """

    def name(self) -> str:
        return "action_pause"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        if not learner.is_reachable:
            return []  # a pause must not bring back a learner who said STOP
        days = parse_days(latest_text(tracker))
        schedule.pause(learner, turn.now + timedelta(days=days), turn.now, turn.settings)
        _ = turn.gettext()
        ngettext = ngettext_for(turn.language)
        paused = ngettext(
            "Your lessons are paused for %(days)d day.",
            "Your lessons are paused for %(days)d days.",
            days,
        ) % {"days": days}
        say(dispatcher, paused + " " + _("Write RESUME to start again sooner."))
        return []


class ActionResume(LearnerAction):
    """RESUME: end a pause now."""

    def name(self) -> str:
        return "action_resume"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        if not lifecycle.is_paused(learner, turn.now):
            say(dispatcher, _("Your lessons are on. Write NEXT for a lesson now."))
            return []
        lifecycle.resume(learner, turn.now, turn.settings)
        say(dispatcher, welcome_back_text(turn, learner))
        return []


def welcome_back_text(turn: Turn, learner: Learner) -> str:
    _ = turn.gettext()
    if learner.delivery_time:
        when = format_clock(learner.delivery_time, turn.language)
        return _("Welcome back! Your lessons come at {time}. Write NEXT for one now.").format(
            time=when
        )
    return _("Welcome back! Write NEXT for a lesson.")
