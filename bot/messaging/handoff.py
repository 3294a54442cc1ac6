"""The worker's side of a hand-off to staff: where a learner's message goes, and the bot's return.

The conversations themselves belong to ``bot.inbox`` (which writes its staff
replies through this package's outbox); this package reaches them only through
the ``Desk`` it is handed, so that neither package imports the other both ways.

While staff have a learner's conversation, the learner's messages go to Rasa
as ``/handoff_message`` (``bot.messaging.keywords.handoff_text``): the action
notes them for the inbox and the bot says nothing.

Once staff close it, Rasa is told (``EXTERNAL_handoff_closed``: the hand-off
slot is cleared and the learner told, in their language, that the bot is back)
before the learner's next turn runs, or by the scheduler's job for learners
who do not write. Exactly once: the ``Desk.resumed`` compare-and-set decides
which caller writes the replies, and their idempotency keys
(``handoff-resume:{conversation}:{index}``) stop a second row anyway.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messaging.dispatch import IntentTrigger
from bot.messaging.outbox import write_reply
from bot.messaging.rasa_client import RasaRejected, RasaUnavailable
from bot.messaging.replies import replies_from_rasa
from bot.models import Learner

log = logging.getLogger(__name__)

RESUME_INTENT = "EXTERNAL_handoff_closed"
# Conversations the scheduler's job hands back per tick.
RESUME_BATCH = 100


@dataclass(frozen=True)
class HandoffState:
    """A learner's hand-off as the worker needs it."""

    open: bool = False  # staff have the conversation: messages go to the inbox
    to_resume: int | None = None  # a conversation staff closed that Rasa was not told about


NO_HANDOFF = HandoffState()


@dataclass(frozen=True)
class HandBack:
    """A closed conversation whose learner the bot has not taken back yet."""

    conversation_id: int
    learner_id: int
    sender_id: str  # the learner's opaque id: Rasa's conversation id


class Desk(Protocol):
    """The part of the inbox (``bot.inbox.desk``) the worker and the scheduler use."""

    def states(self, session: Session, learner_ids: Collection[int]) -> dict[int, HandoffState]: ...

    def to_hand_back(self, session: Session, limit: int) -> list[HandBack]: ...

    def resumed(self, session: Session, conversation_id: int, now: datetime) -> bool: ...


def hand_back(
    sessions: sessionmaker[Session],
    rasa: IntentTrigger,
    desk: Desk,
    back: HandBack,
    now: datetime,
) -> int:
    """Tell Rasa (and so the learner) that the bot is back; return the rows written.

    Rasa is called with no transaction open; its errors are the caller's to
    handle (``RasaUnavailable``: try again later).
    """
    messages = rasa.trigger_intent(back.sender_id, RESUME_INTENT)
    replies = replies_from_rasa(messages)
    with session_scope(sessions) as session:
        if not desk.resumed(session, back.conversation_id, now):
            return 0  # another worker or the scheduler took the learner back first
        learner = session.get(Learner, back.learner_id, populate_existing=True)
        if learner is None:
            return 0
        return sum(
            write_reply(
                session, f"handoff-resume:{back.conversation_id}:{index}", learner.id, reply, now
            )
            for index, reply in enumerate(replies)
            if learner.is_reachable or reply.allow_when_opted_out
        )


def hand_back_closed(
    sessions: sessionmaker[Session], rasa: IntentTrigger, desk: Desk, now: datetime
) -> dict[str, int]:
    """The scheduler's job: take back every learner whose conversation staff closed."""
    with session_scope(sessions) as session:
        waiting = desk.to_hand_back(session, RESUME_BATCH)
    summary: Counter[str] = Counter({"closed": len(waiting), "resumed": 0})
    for back in waiting:
        try:
            written = hand_back(sessions, rasa, desk, back, now)
        except RasaUnavailable as error:
            log.warning("hand-back of %s: Rasa unavailable: %s", back.sender_id, error)
            summary["rasa_unavailable"] += 1
            break  # the rest wait for the next tick
        except RasaRejected as error:
            log.error("hand-back of %s rejected by Rasa: %s", back.sender_id, error)
            summary["failed"] += 1
            continue
        summary["resumed"] += 1
        summary["replies"] += written
    return dict(summary)
