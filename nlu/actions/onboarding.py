"""Onboarding: language, consent to the privacy notice, course, delivery time and days.

The form (nlu/domain.yml, onboarding_form) asks with the action_ask_<slot>
actions below; ValidateOnboardingForm (``nlu.actions.onboarding_form``)
saves each answer to the database at once: the language first, so that the
privacy notice and every later prompt are in the learner's own language. A
"no" to consent ends the form early; action_finish_onboarding then says how
to come back.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.learners import lifecycle, progress, schedule
from bot.learners.localtime import EVERY_DAY
from bot.models import Learner
from bot.text.menus import (
    consent_menu,
    course_menu,
    delivery_day_menu,
    delivery_time_menu,
    language_menu,
)
from nlu.actions.base import LearnerAction, slot_events
from nlu.actions.context import Turn, say, say_menu
from nlu.actions.lessons_flow import deliver_next
from nlu.actions.texts import course_title, format_clock, format_days


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
        say_menu(dispatcher, language_menu())
        return []


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
        retention = turn.settings.app.message_retention_days
        say_menu(dispatcher, consent_menu(turn.language, retention))
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
        courses = progress.ordered_courses(turn.catalog)
        say_menu(dispatcher, course_menu(courses, turn.language))
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
        say_menu(dispatcher, delivery_time_menu(turn.language))
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
        say_menu(dispatcher, delivery_day_menu(turn.language))
        return []


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
