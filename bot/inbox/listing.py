"""What the inbox shows of its conversations: one query for the list, one for the counts.

The list reads the conversation, its learner and the assignee's account; the
course progress of the page's rows is one more grouped query. It never reads
the message tables, so it stays fast however many messages are kept (the
issue's target: under 300 ms with 10,000 open conversations and 1,000,000
messages, measured by scripts/bench_inbox.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from bot.inbox.models import Conversation, ConversationStatus
from bot.learners.localtime import whatsapp_window_open
from bot.models import Learner, LessonDelivery
from bot.staff.models import StaffUser
from bot.vocab import ChannelName

PAGE_SIZE = 50


@dataclass(frozen=True)
class ConversationRow:
    id: int
    learner: str  # the learner's pseudonymous id (never the number)
    profile_name: str | None  # the WhatsApp profile name, when the learner has one
    language: str | None
    channel: ChannelName
    waiting_since: datetime | None  # None: staff answered the learner's latest message
    opened_at: datetime
    last_learner_message_at: datetime | None
    assigned_to: str | None  # the assignee's email
    assigned_to_id: int | None
    window_open: bool | None  # WhatsApp's 24-hour window; None on SMS
    course_key: str | None
    lessons_done: int


def open_conversations(
    session: Session,
    now: datetime,
    limit: int = PAGE_SIZE,
    offset: int = 0,
    assigned_to_id: int | None = None,
) -> list[ConversationRow]:
    """Open conversations, the longest waiting first, then those answered (oldest first).

    Two queries, each read in order from ``ix_conversation_inbox`` and stopped at
    the page's end: the waiting ones, then (once they run out) the answered
    ones. One query ordered by "waiting or not" first would sort every open
    conversation for each page (migration 0008; scripts/bench_inbox.py).
    """
    assignee = aliased(StaffUser)
    base = (
        select(Conversation, Learner, assignee.email)
        .join(Learner, Learner.id == Conversation.learner_id)
        .outerjoin(assignee, assignee.id == Conversation.assigned_to_id)
        .where(Conversation.status == ConversationStatus.OPEN)
    )
    if assigned_to_id is not None:
        base = base.where(Conversation.assigned_to_id == assigned_to_id)
    waiting = base.where(Conversation.waiting_since.is_not(None)).order_by(
        Conversation.waiting_since, Conversation.opened_at, Conversation.id
    )
    rows = list(session.execute(waiting.limit(limit).offset(offset)).all())
    if len(rows) < limit:
        # Past the waiting ones: the answered ones follow, from the start or further on.
        skip = 0 if rows else offset - _waiting(session, assigned_to_id)
        answered = base.where(Conversation.waiting_since.is_(None)).order_by(
            Conversation.opened_at, Conversation.id
        )
        rows += session.execute(answered.limit(limit - len(rows)).offset(max(skip, 0))).all()
    done = _lessons_done(session, [learner.id for _, learner, _ in rows])
    return [
        ConversationRow(
            id=conversation.id,
            learner=learner.public_id,
            profile_name=learner.profile_name,
            language=learner.language,
            channel=learner.channel,
            waiting_since=conversation.waiting_since,
            opened_at=conversation.opened_at,
            last_learner_message_at=conversation.last_learner_message_at,
            assigned_to=email,
            assigned_to_id=conversation.assigned_to_id,
            window_open=(
                whatsapp_window_open(learner.last_inbound_at, now)
                if learner.channel == ChannelName.WHATSAPP
                else None
            ),
            course_key=learner.course_key,
            lessons_done=done.get(learner.id, 0),
        )
        for conversation, learner, email in rows
    ]


def count_open(session: Session) -> int:
    """How many conversations are open (waiting or not)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Conversation)
            .where(Conversation.status == ConversationStatus.OPEN)
        )
        or 0
    )


def _waiting(session: Session, assigned_to_id: int | None) -> int:
    query = (
        select(func.count())
        .select_from(Conversation)
        .where(
            Conversation.status == ConversationStatus.OPEN,
            Conversation.waiting_since.is_not(None),
        )
    )
    if assigned_to_id is not None:
        query = query.where(Conversation.assigned_to_id == assigned_to_id)
    return session.scalar(query) or 0


def _lessons_done(session: Session, learner_ids: list[int]) -> dict[int, int]:
    if not learner_ids:
        return {}
    counts = session.execute(
        select(LessonDelivery.learner_id, func.count())
        .where(LessonDelivery.learner_id.in_(learner_ids))
        .group_by(LessonDelivery.learner_id)
    )
    return {learner_id: count for learner_id, count in counts}
