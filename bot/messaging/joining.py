"""A learner's message that is a join code: they join the cohort, and are told so.

Checked before the turn goes to Rasa (``bot.messaging.turns``). An onboarded
learner gets the confirmation alone: the code is not something to
understand, so Rasa is not asked. A new learner gets the confirmation, then
Rasa's greeting (the turn goes to Rasa as ``/greet``), which starts their
sign-up as any first message would. The tag is put on in the turn's own
transaction (``finish_turn``), so a turn retried after an outage joins once
and confirms once. A learner who opted out is not joined: their message
goes to Rasa like any other (START brings them back first).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.learners.cohorts import CodeMatch, could_be_code, match_code
from bot.learners.lifecycle import is_onboarded
from bot.messaging.replies import Reply
from bot.models import Learner
from bot.settings import Settings
from bot.text.i18n import gettext_for
from bot.text.i18n import marked as _

# What Rasa gets from a new learner whose first words were a code: a greeting.
GREETING = "/greet"


CONFIRMATION = _("You are now in the group %(code)s. Welcome!")


@dataclass(frozen=True)
class Joining:
    match: CodeMatch
    onboarded: bool  # True: the confirmation is the whole answer
    confirmation: Reply


def joining_for(
    sessions: sessionmaker[Session], learner_id: int, body: str | None, settings: Settings
) -> Joining | None:
    """The join this message asks for, or None (not a code, or the learner cannot join)."""
    if not could_be_code(body):
        return None  # most messages: no transaction on the turn's hot path
    with session_scope(sessions) as session:
        match = match_code(session, body)
        if match is None:
            return None
        learner = session.get(Learner, learner_id)
        if learner is None or not learner.is_reachable:
            return None
        translate = gettext_for(learner.language or settings.languages.default)
        text = translate(CONFIRMATION) % {"code": match.code}
        return Joining(match, is_onboarded(learner), Reply(text))
