"""The inbox as the worker and the scheduler see it (``bot.messaging.handoff.Desk``).

Handed to them by the commands that start them (``lessonbot worker``, the
scheduler's job table): the messaging package never imports the inbox, which
writes its replies through messaging's outbox.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.inbox import conversations
from bot.messaging.handoff import HandBack, HandoffState


class InboxDesk:
    def state(self, session: Session, learner_id: int) -> HandoffState:
        """Whether staff have the learner's conversation, and one to hand back first."""
        is_open, closed = conversations.not_handed_back(session, learner_id)
        return HandoffState(open=is_open, to_resume=closed)

    def to_hand_back(self, session: Session, limit: int) -> list[HandBack]:
        return [
            HandBack(conversation_id, learner_id, public_id)
            for conversation_id, learner_id, public_id in conversations.to_hand_back(session, limit)
        ]

    def resumed(self, session: Session, conversation_id: int, now: datetime) -> bool:
        return conversations.resumed(session, conversation_id, now)


DESK = InboxDesk()
