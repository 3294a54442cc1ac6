"""The inbox as the worker and the scheduler see it (``bot.messaging.handoff.Desk``).

Handed to them by the commands that start them (``lessonbot worker``, the
scheduler's job table): the messaging package never imports the inbox, which
writes its replies through messaging's outbox.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.orm import Session

from bot.inbox import conversations
from bot.messaging.handoff import HandBack, HandoffState


class InboxDesk:
    def states(self, session: Session, learner_ids: Collection[int]) -> dict[int, HandoffState]:
        """For each learner: do staff have the conversation, and is one to be handed back first."""
        return {
            learner_id: HandoffState(open=is_open, to_resume=closed)
            for learner_id, (is_open, closed) in conversations.not_handed_back(
                session, learner_ids
            ).items()
        }

    def to_hand_back(self, session: Session, limit: int) -> list[HandBack]:
        return [
            HandBack(conversation_id, learner_id, public_id)
            for conversation_id, learner_id, public_id in conversations.to_hand_back(session, limit)
        ]

    def resumed(self, session: Session, conversation_id: int, now: datetime) -> bool:
        return conversations.resumed(session, conversation_id, now)


DESK = InboxDesk()
