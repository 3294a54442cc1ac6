"""Talk around the lessons: greeting, menu, progress, questions about the service."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.learners import lifecycle, progress
from bot.learners.lifecycle import is_onboarded
from bot.models import Learner
from bot.text.menus import help_menu, welcome_back_menu
from bot.vocab import LearnerStatus
from nlu.actions.base import (
    LearnerAction,
    has_no_words,
    in_onboarding,
    latest_intent,
    latest_text,
    slot_events,
)
from nlu.actions.context import Turn, say, say_menu
from nlu.actions.onboarding_form import sorry_for
from nlu.actions.texts import course_title


class ActionGreet(LearnerAction):
    """A new learner: a short welcome (the form then asks). A known one: welcome back + menu."""

    def name(self) -> str:
        return "action_greet"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        opted_out = learner.status == LearnerStatus.OPTED_OUT
        coming_back = opted_out and latest_intent(tracker) == "start"
        if coming_back:
            # START from someone who is not onboarded (left during onboarding, or
            # lost their tracker): the rules send it here, not to action_opt_in.
            lifecycle.come_back(learner, turn.now, turn.settings)
        if is_onboarded(learner):
            # Also heals a lost tracker: the app database knows this learner.
            say_menu(dispatcher, welcome_back_menu(turn.language), coming_back)
            return slot_events(domain, onboarded=True)
        text = _(
            "Hi! Here you get short, free lessons by message: start a business "
            "and stay safe online."
        )
        say(dispatcher, text, allow_when_opted_out=coming_back)
        return []


class ActionHelp(LearnerAction):
    """HELP, MENU: the keywords in the learner's language."""

    def name(self) -> str:
        return "action_help"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        if in_onboarding(tracker):
            say(dispatcher, _("Let's finish signing you up first. You can write STOP at any time."))
        else:
            say_menu(dispatcher, help_menu(turn.language))
        return []


class ActionShowProgress(LearnerAction):
    def name(self) -> str:
        return "action_show_progress"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        standing = progress.progress(turn.session, learner, turn.catalog)
        if standing is None:
            say(dispatcher, _("You have not started a course yet. Write HELLO to begin."))
            return []
        lines = [
            _('Course: "{course}"').format(course=course_title(standing.course, turn.language)),
            _("Lessons done: {done} of {total}").format(
                done=standing.lessons_done, total=standing.lessons_total
            ),
            _("Right answers: {right} of {answered}").format(
                right=standing.right_answers, answered=standing.answered
            ),
        ]
        say(dispatcher, "\n".join(lines))
        return []


class ActionFaq(LearnerAction):
    """What is this, does it cost anything, who runs it, what happens to my data."""

    def name(self) -> str:
        return "action_faq"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        intent = latest_intent(tracker)
        if intent == "faq_cost":
            text = _(
                "The lessons are free. Your phone company may charge its usual price "
                "for SMS or data."
            )
        elif intent == "faq_who":
            text = _(
                "A programme of the UN migration agency and a telecom company, with "
                "partner organisations that help migrants in Panama."
            )
        elif intent == "faq_data":
            text = _(
                "Your number is stored encrypted and staff cannot see it. We keep your "
                "answers to show your progress and delete message texts after {days} days; "
                "our SMS provider may keep its own copies longer. Write DELETE to erase "
                "everything, the provider's copies too."
            ).format(days=turn.settings.app.message_retention_days)
        else:
            text = _(
                "Short lessons by message, at the time you choose: how to start a small "
                "business and how to stay safe online. Each one ends with a quick quiz."
            )
        say(dispatcher, text)
        return []


class ActionThanks(LearnerAction):
    def name(self) -> str:
        return "action_thanks"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        say(dispatcher, _("You're welcome! Write MENU to see what you can do."))
        return []


class ActionFallback(LearnerAction):
    """Not understood: offer the menu (during onboarding, the question comes again)."""

    def name(self) -> str:
        return "action_fallback"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        if has_no_words(latest_text(tracker)):
            # A photo, a voice note, a sticker or only emoji: nothing to read.
            text = _("Thanks! I can only read text. Write MENU to see what you can do.")
        elif in_onboarding(tracker):
            text = sorry_for(tracker.get_slot("requested_slot"), _)
        elif previous_turn_not_understood(tracker) and learner.is_reachable:
            # Two in a row: a person may help where the menu did not.
            text = _(
                "Sorry, I didn't understand. Write PERSON to talk to someone from the team, "
                "or MENU to see what you can do."
            )
        else:
            text = _("Sorry, I didn't understand. Write MENU to see what you can do.")
        say(dispatcher, text)
        return []


def previous_turn_not_understood(tracker: Tracker) -> bool:
    """Whether the bot answered the learner's previous message with action_fallback too."""
    users_seen = 0
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            users_seen += 1
            if users_seen == 2:
                return False
        elif users_seen == 1 and kind == "action" and event.get("name") == "action_fallback":
            return True
    return False
