"""Leaving and coming back: STOP, START, and erasing one's data (with confirmation).

These replies carry ``allow_when_opted_out``: a learner who said STOP still
gets the confirmation of STOP, the answer to coming back, and everything about
erasing their data (the right to erasure does not end with STOP).
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.inbox import conversations
from bot.learners import lifecycle
from bot.messaging.optout import contradicts_stop
from bot.models import Learner
from bot.privacy.erasure import erase_learner
from bot.text.menus import stop_keyword
from bot.vocab import LearnerStatus, OutboxKind
from nlu.actions.account import welcome_back_text
from nlu.actions.base import LearnerAction, chosen_option, latest_intent, latest_text
from nlu.actions.context import Turn, say
from nlu.actions.readers.options import parse_yes_no
from nlu.actions.way_out import the_way_out

CONFIRM_DELETE = "action_confirm_delete"


class ActionOptOut(LearnerAction):
    """STOP, BAJA, ARRET...: no more messages after this confirmation."""

    def name(self) -> str:
        return "action_opt_out"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        if learner.is_reachable and contradicts_stop(latest_text(tracker)):
            # NLU read it as a stop, but it asks for something else ("no
            # paren, manden la siguiente", "how do I stop a scammer"): the
            # keyword and the opt-out reader never get here (they send
            # "/stop"), so only NLU's reading is declined, with the way out.
            # A learner already out gets the confirmation below, as before:
            # it tells them how to come back.
            _ = turn.gettext()
            didnt_understand = _("Sorry, I didn't understand. Write MENU to see what you can do.")
            say(dispatcher, f"{didnt_understand} {the_way_out(turn)}")
            return []
        lifecycle.opt_out(learner, turn.now, turn.settings)
        # Nobody may answer them now: a conversation with staff closes, and is
        # handed back to the bot (which clears the hand-off in the tracker too).
        conversations.close_for_opt_out(turn.session, learner.id, turn.now)
        _ = turn.gettext()
        say(
            dispatcher,
            _(
                "You will not get more messages. To come back, write START. "
                "To erase your data, write DELETE."
            ),
            kind=OutboxKind.OPT_OUT,
            allow_when_opted_out=True,
        )
        return []


class ActionOptIn(LearnerAction):
    """START after STOP (or after a pause): lessons again."""

    def name(self) -> str:
        return "action_opt_in"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        if not lifecycle.opt_in(learner, turn.now, turn.settings):
            # The way out is in the answer: a request to stop worded like a
            # subscription ("end my subscription") is sometimes read as START.
            text = _(
                "You are already signed up. Write NEXT for a lesson now, or STOP for no more "
                "messages."
            )
            say(dispatcher, text)
            return []
        say(dispatcher, welcome_back_text(turn, learner), allow_when_opted_out=True)
        return []


class ActionConfirmDelete(LearnerAction):
    """DELETE, BORRAR: ask before erasing anything."""

    def name(self) -> str:
        return CONFIRM_DELETE

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        question = _("Erase all your data? Your progress will be lost. This cannot be undone.")
        if learner.is_reachable:
            # Many who write "delete my number" only want the messages to end.
            keep = _("To stop the messages but keep your data, write {keyword}.")
            question += " " + keep.format(keyword=stop_keyword(turn.language))
        say(
            dispatcher,
            question,
            [_("Yes, erase it"), _("No, keep it")],
            allow_when_opted_out=True,
        )
        return []


def confirmed_erasure(tracker: Tracker) -> bool:
    """Yes to the question action_confirm_delete asked just before; anything else is no.

    Checked here as well as in the rules, so that no path through the dialogue
    can erase a learner's data without the question and a clear yes.
    """
    if last_action_before_message(tracker) != CONFIRM_DELETE:
        return False
    intent = latest_intent(tracker)
    if intent in ("affirm", "deny"):
        return intent == "affirm"
    option = chosen_option(tracker, max_options=2)
    if option is not None:
        return option == 1
    return parse_yes_no(latest_text(tracker)) is True


def last_action_before_message(tracker: Tracker) -> str | None:
    """The bot's last action (other than listening) before the learner's latest message."""
    seen_message = False
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            if seen_message:
                return None
            seen_message = True
        elif seen_message and kind == "action" and event.get("name") != "action_listen":
            return event.get("name")
    return None


class ActionDeleteData(LearnerAction):
    """The answer to the question: on yes, erase (see bot.privacy.erasure); otherwise cancel."""

    runs_for_erased = True  # a replay of this turn gets the same confirmation

    def name(self) -> str:
        return "action_delete_data"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        if learner.status != LearnerStatus.ERASED:
            if not confirmed_erasure(tracker):
                say(dispatcher, _("OK, nothing was erased."), allow_when_opted_out=True)
                return []
            erase_learner(turn.session, learner, turn.now)
        say(
            dispatcher,
            _("Your data has been erased and you will not get more messages. Take care!"),
            kind=OutboxKind.ERASURE,
            allow_when_opted_out=True,
        )
        return []


class ActionCancelDelete(LearnerAction):
    def name(self) -> str:
        return "action_cancel_delete"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        say(dispatcher, _("OK, nothing was erased."), allow_when_opted_out=True)
        return []
