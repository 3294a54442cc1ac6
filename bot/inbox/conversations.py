"""Every change of a conversation's state, in one place (bot.inbox).

Callers commit: each function works inside the caller's transaction, so a
staff reply and the audit entry that records it land together or not at all.

A staff reply is an outbox row like every message the learner gets (sent
exactly once, with status tracking). Its idempotency key is made from the
conversation and a token the reply form carries: a double click, a retried
POST or a second tab holding the same form write one row, not two.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, String, delete, func, select, type_coerce, update
from sqlalchemy.orm import Session

from bot.db import rowcount
from bot.inbox import office_hours
from bot.inbox.models import Conversation, ConversationStatus, OpenedBy
from bot.learners.localtime import whatsapp_window_open
from bot.messaging.outbox import write_reply
from bot.messaging.replies import Reply
from bot.messaging.templates import window_template
from bot.models import Learner
from bot.settings import Settings
from bot.staff.accounts import audit
from bot.vocab import ChannelName, OutboxKind

# What one SMS conversation reply may hold: Twilio refuses a body over 1,600 characters.
MAX_REPLY_CHARACTERS = 1600
# A reply token as the form makes it (secrets.token_urlsafe(16): 22 characters).
MAX_TOKEN_LENGTH = 64


# The refusals a page translates (bot.inbox.views): callers compare the message.
UNREACHABLE = "this learner can no longer be reached (opted out or erased)"
WINDOW_CLOSED = (
    "the learner's WhatsApp window is closed: free text cannot be sent,"
    " send the invitation template instead"
)
WINDOW_OPEN = "the learner can be answered with free text: write a reply"
CLOSED = "this conversation is closed"


class InboxError(ValueError):
    """A staff action that cannot be done; ``field`` names the form field at fault."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Opened:
    conversation: Conversation
    created: bool  # False: the learner already had an open conversation
    in_office_hours: bool


def open_conversation(session: Session, learner_id: int) -> Conversation | None:
    """The learner's open conversation, if any."""
    return session.scalar(
        select(Conversation).where(
            Conversation.learner_id == learner_id,
            Conversation.status == ConversationStatus.OPEN,
        )
    )


def open_for_learner(
    session: Session,
    learner_id: int,
    opened_by: OpenedBy,
    now: datetime,
    settings: Settings,
    note: str | None = None,
) -> Opened:
    """Open a conversation for the learner, or return the one already open.

    Opening twice (a learner who asks again, two workers racing) keeps one
    open conversation: the unique index on open conversations decides.
    """
    in_hours = office_hours.is_open(now, settings)
    existing = open_conversation(session, learner_id)
    if existing is not None:
        note_learner_message(session, existing, now)
        return Opened(existing, created=False, in_office_hours=in_hours)
    conversation = Conversation(
        learner_id=learner_id,
        status=ConversationStatus.OPEN,
        opened_by=opened_by,
        opened_at=now,
        opened_in_office_hours=in_hours,
        waiting_since=now,
        last_learner_message_at=now,
        note=note,
    )
    nested = session.begin_nested()
    session.add(conversation)
    try:
        session.flush()
    except Exception:
        nested.rollback()
        existing = open_conversation(session, learner_id)
        if existing is None:
            raise
        return Opened(existing, created=False, in_office_hours=in_hours)
    nested.commit()
    return Opened(conversation, created=True, in_office_hours=in_hours)


def note_learner_message(session: Session, conversation: Conversation, now: datetime) -> None:
    """The learner wrote while the conversation is open: they wait from now, unless already."""
    if conversation.waiting_since is None:
        conversation.waiting_since = now
    conversation.last_learner_message_at = now


def reply(
    session: Session,
    conversation_id: int,
    staff_id: int | None,
    text: str,
    token: str,
    now: datetime,
) -> bool:
    """Queue a staff reply to the learner; True if written, False if this form was sent already.

    Raises ``InboxError`` naming the field: an empty or too long reply, a
    conversation that is closed or unknown, a learner who cannot be reached,
    or a WhatsApp learner whose 24-hour window has closed (free text is
    refused then: send the approved template instead).
    """
    body = text.strip()
    if not body:
        raise InboxError("write a reply before sending", "reply")
    if len(body) > MAX_REPLY_CHARACTERS:
        raise InboxError(
            f"a reply has at most {MAX_REPLY_CHARACTERS} characters (this one has {len(body)})",
            "reply",
        )
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InboxError("the form is incomplete: reload the page", "token")
    conversation = _open(session, conversation_id)
    learner = conversation.learner
    if not learner.is_reachable:
        raise InboxError(UNREACHABLE, "reply")
    if learner.channel == ChannelName.WHATSAPP and not whatsapp_window_open(
        learner.last_inbound_at, now
    ):
        raise InboxError(WINDOW_CLOSED, "reply")
    written = write_reply(
        session,
        f"inbox:{conversation.id}:{token}",
        learner.id,
        Reply(text=body, kind=OutboxKind.STAFF_REPLY),
        now,
    )
    if written:
        conversation.waiting_since = None
        conversation.last_answered_at = now
        if conversation.first_answered_at is None:
            conversation.first_answered_at = now
        _sent_by(session, conversation, staff_id, "inbox.reply", now)
    return written


def send_window_template(
    session: Session,
    conversation_id: int,
    staff_id: int | None,
    token: str,
    now: datetime,
    settings: Settings,
) -> bool:
    """Send a WhatsApp learner whose window closed the approved template inviting a reply.

    Free text cannot reach them until they write again; the template can. Keyed
    by the form's token like a reply, so a double click sends one template.
    True if written, False if this form was sent already.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise InboxError("the form is incomplete: reload the page", "token")
    conversation = _open(session, conversation_id)
    learner = conversation.learner
    if not learner.is_reachable:
        raise InboxError(UNREACHABLE, "reply")
    if learner.channel != ChannelName.WHATSAPP or whatsapp_window_open(
        learner.last_inbound_at, now
    ):
        raise InboxError(WINDOW_OPEN, "reply")
    template = window_template(session, learner, settings)
    written = write_reply(
        session, f"inbox:{conversation.id}:{token}:template", learner.id, template, now
    )
    if written:
        _sent_by(session, conversation, staff_id, "inbox.template", now)
    return written


def _sent_by(
    session: Session, conversation: Conversation, staff_id: int | None, action: str, now: datetime
) -> None:
    """Who sent something takes the conversation if nobody has it; audited."""
    if conversation.assigned_to_id is None and staff_id is not None:
        conversation.assigned_to_id = staff_id
    _audit(session, staff_id, action, conversation, now)


def _audit(
    session: Session, actor_id: int | None, action: str, conversation: Conversation, now: datetime
) -> None:
    # The learner only by pseudonym: an erasure replaces it with "erased".
    details = {"conversation": conversation.id, "learner": conversation.learner.public_id}
    audit(session, actor_id, action, details, now)


def assign(
    session: Session,
    conversation_id: int,
    staff_id: int | None,
    actor_id: int | None,
    now: datetime,
) -> None:
    """Give the conversation to a staff member (``staff_id``), or to nobody (None)."""
    conversation = _open(session, conversation_id)
    conversation.assigned_to_id = staff_id
    action = "inbox.assign" if staff_id is not None else "inbox.unassign"
    _audit(session, actor_id, action, conversation, now)


def close(session: Session, conversation_id: int, actor_id: int | None, now: datetime) -> None:
    """Close the conversation; the worker then hands the learner back to the bot.

    The learner is told in their language once Rasa knows (``resumed``),
    which keeps the tracker and the database telling the same story.
    """
    conversation = _open(session, conversation_id)
    conversation.status = ConversationStatus.CLOSED
    conversation.closed_at = now
    conversation.closed_by_id = actor_id
    conversation.waiting_since = None
    _audit(session, actor_id, "inbox.close", conversation, now)


def close_for_opt_out(session: Session, learner_id: int, now: datetime) -> bool:
    """The learner said STOP: their open conversation closes (nobody can answer it now).

    It is handed back like any closed one (``to_resume``), which clears the
    hand-off in Rasa's tracker too; the learner is told nothing, having opted out.
    Returns whether a conversation was open.
    """
    conversation = open_conversation(session, learner_id)
    if conversation is None:
        return False
    conversation.status = ConversationStatus.CLOSED
    conversation.closed_at = now
    conversation.waiting_since = None
    audit(
        session,
        None,
        "inbox.close",
        {
            "conversation": conversation.id,
            "learner": conversation.learner.public_id,
            "reason": "learner opted out",
        },
        now,
    )
    return True


def open_learner_ids() -> Select:
    """The learners who have a conversation open with staff (a subquery for the jobs)."""
    return select(Conversation.learner_id).where(Conversation.status == ConversationStatus.OPEN)


def to_hand_back(session: Session, limit: int) -> list[tuple[int, int, str]]:
    """Closed conversations Rasa has not been told about: (conversation, learner, public id)."""
    rows = session.execute(
        select(Conversation.id, Learner.id, Learner.public_id)
        .join(Learner, Learner.id == Conversation.learner_id)
        .where(
            # The partial index of conversations not resumed (few rows), not
            # ix_conversation_waiting, which would read every closed one.
            Conversation.resumed_at.is_(None),
            type_coerce(Conversation.status, String) + "" == ConversationStatus.CLOSED.value,
        )
        .order_by(Conversation.closed_at, Conversation.id)
        .limit(limit)
    )
    return [(row[0], row[1], row[2]) for row in rows]


def not_handed_back(
    session: Session, learner_ids: Collection[int]
) -> dict[int, tuple[bool, int | None]]:
    """Per learner: is a conversation open, and the oldest closed one Rasa was not told of.

    One query for the learners of a claim (the worker's turns), on the few rows
    not yet handed back (ix_conversation_not_resumed): an open conversation is
    never resumed, so both kinds are among them. A learner with no such row
    has neither.
    """
    found: dict[int, tuple[bool, int | None]] = {id_: (False, None) for id_ in learner_ids}
    if not found:
        return found
    rows = session.execute(
        select(Conversation.learner_id, Conversation.id, Conversation.status)
        .where(Conversation.learner_id.in_(list(found)), Conversation.resumed_at.is_(None))
        .order_by(Conversation.id)
    )
    for learner_id, conversation_id, status in rows:
        is_open, closed = found[learner_id]
        if status == ConversationStatus.OPEN:
            is_open = True
        elif status == ConversationStatus.CLOSED and closed is None:
            closed = conversation_id
        found[learner_id] = (is_open, closed)
    return found


def resumed(session: Session, conversation_id: int, now: datetime) -> bool:
    """Record that Rasa took the learner back (once); True if this call recorded it."""
    result = session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.resumed_at.is_(None))
        .values(resumed_at=now)
        .returning(Conversation.id)
    )
    return result.scalar() is not None


def waiting_count(session: Session) -> int:
    """Open conversations whose learner waits for an answer (the staff pages' badge)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Conversation)
            .where(
                Conversation.status == ConversationStatus.OPEN,
                Conversation.waiting_since.is_not(None),
            )
        )
        or 0
    )


def mark_notified(session: Session, conversation_id: int, now: datetime) -> bool:
    """Record that the "conversation opened" email went out (once); True if this call did."""
    result = session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.notified_at.is_(None))
        .values(notified_at=now)
        .returning(Conversation.id)
    )
    return result.scalar() is not None


def forget(session: Session, learner_id: int) -> int:
    """Delete the learner's conversations, open or closed (an erasure); how many.

    Their texts are inbound and outbox rows, which the erasure empties itself;
    the audit log keeps the conversation ids, which then name nothing.
    """
    return rowcount(
        session.execute(delete(Conversation).where(Conversation.learner_id == learner_id))
    )


def _open(session: Session, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise InboxError(f"no conversation {conversation_id}", "conversation")
    if not conversation.is_open:
        raise InboxError(CLOSED, "conversation")
    if session.get(Learner, conversation.learner_id) is None:  # erased meanwhile
        raise InboxError(f"no conversation {conversation_id}", "conversation")
    return conversation
