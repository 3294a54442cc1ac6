"""A person in the loop: the learner asks for staff, the bot steps aside, then comes back.

The conversation's state belongs to ``bot.inbox.conversations``; these
actions keep the ``handoff_active`` slot telling the same story (see
data/rules.yml, "The hand-off to staff").
"""

from __future__ import annotations

from datetime import datetime

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.inbox import conversations, office_hours
from bot.inbox.models import OpenedBy
from bot.learners.lifecycle import is_onboarded
from bot.messaging.replies import HANDOFF_FORWARDED
from bot.models import Learner
from nlu.actions.base import LearnerAction, latest_text, slot_events
from nlu.actions.context import Turn, say
from nlu.actions.privacy import last_action_before_message
from nlu.actions.readers.introductions import introduces_themselves
from nlu.actions.texts import day_names, format_clock

FALLBACK = "action_fallback"


class ActionHandoffOpen(LearnerAction):
    """PERSONA, "quiero hablar con alguien": hand the conversation to staff, say when they answer.

    A learner still signing up is not handed over: they have not agreed to
    the programme yet, and staff would see a stranger. They are told that
    someone can talk with them once they have signed up, and onboarding goes on.
    """

    def name(self) -> str:
        return "action_handoff_open"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        if introduces_themselves(latest_text(tracker)):
            # A name read as a request for a person (readers/introductions.py).
            # While signing up, the form asks its question again after this.
            thanks = _("Thanks for introducing yourself!")
            if is_onboarded(learner):
                thanks += " " + _("Write MENU to see what you can do.")
            say(dispatcher, thanks)
            return slot_events(domain, handoff_active=False)
        if not is_onboarded(learner):
            say(
                dispatcher,
                _(
                    "Someone from the team can talk with you once you have signed up. "
                    "Answer the questions first, then write PERSON."
                ),
            )
            return slot_events(domain, handoff_active=False)
        if not learner.is_reachable:
            return slot_events(domain, handoff_active=False)  # said STOP: nobody may answer
        offered = last_action_before_message(tracker) == FALLBACK
        opened = conversations.open_for_learner(
            turn.session,
            learner.id,
            OpenedBy.OFFER if offered else OpenedBy.LEARNER,
            turn.now,
            turn.settings,
            note="offer" if offered else ("asked" if latest_text(tracker) else "keyword"),
        )
        say(dispatcher, acknowledgement(turn, opened.in_office_hours))
        return slot_events(domain, handoff_active=True)


def acknowledgement(turn: Turn, in_office_hours: bool) -> str:
    """Received, and when the team answers: soon, or the day and time office hours start."""
    _ = turn.gettext()
    after = _("Write your message here. The bot will not answer until the team is done.")
    if in_office_hours:
        return _("OK! Someone from the team will answer you here soon.") + " " + after
    day, time = opening_words(turn.now, turn)
    return (
        _("OK! Someone from the team will read your message on {day} at {time}.").format(
            day=day, time=time
        )
        + " "
        + after
    )


def opening_words(now: datetime, turn: Turn) -> tuple[str, str]:
    """The next opening of office hours as the learner reads it: ("lunes", "8:00 am")."""
    opening = office_hours.next_opening(now, turn.settings)
    day = day_names(turn.language)[opening.weekday()]
    return day, format_clock(f"{opening.hour:02d}:{opening.minute:02d}", turn.language)


class ActionHandoffForward(LearnerAction):
    """A message while staff have the conversation: noted for the inbox, not answered."""

    def name(self) -> str:
        return "action_handoff_forward"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        conversation = conversations.open_conversation(turn.session, learner.id)
        if conversation is not None:
            conversations.note_learner_message(turn.session, conversation, turn.now)
        # Not an empty answer, which the worker would take for a failed action.
        dispatcher.utter_message(json_message={"kind": HANDOFF_FORWARDED})
        # Staff may have closed it just before: the slot follows the database.
        return slot_events(domain, handoff_active=conversation is not None)


class ActionHandoffResume(LearnerAction):
    """Staff closed the conversation (EXTERNAL_handoff_closed): the bot is back."""

    runs_for_erased = True  # the slot is cleared whatever became of the learner

    def name(self) -> str:
        return "action_handoff_resume"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        if learner.is_reachable:
            _ = turn.gettext()
            say(
                dispatcher,
                _(
                    "The team has closed this conversation and the bot is back. "
                    "Write MENU to see what you can do, or PERSON to talk to someone again."
                ),
            )
        return slot_events(domain, handoff_active=False)
