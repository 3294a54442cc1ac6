"""The outbox: replies written once, then picked up by the sender.

Every row has an idempotency key (for a turn: ``{inbound MessageSid}:{index}``);
writing the same key again is a no-op, so a replayed turn never sends twice.
The sender takes a learner's rows strictly in order: a row is due only when no
earlier row of the same learner is still pending (waiting for a retry, say),
so a quiz question never overtakes its lesson.

Service functions take a session and do not commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, Result, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, object_session
from sqlalchemy.orm.attributes import set_committed_value

from bot.messaging.channels import OPTED_OUT, WHATSAPP_WINDOW_CLOSED
from bot.messaging.claims import claim_in_order
from bot.models import Learner, LessonDelivery, OutboxMessage
from bot.vocab import LearnerStatus, OutboxKind, OutboxStatus

log = logging.getLogger(__name__)

WHATSAPP_WINDOW_CLOSED_TEXT = (
    "WhatsApp window closed: the learner's last message is older than 24 hours; "
    "send the approved template"
)


@dataclass(frozen=True)
class Reply:
    """One message for a learner, as a custom action rendered it (docs/CONTRACTS.md)."""

    text: str
    options: tuple[str, ...] = ()
    kind: OutboxKind = OutboxKind.REPLY
    allow_when_opted_out: bool = False
    # A WhatsApp template instead of free text (outside the 24-hour window).
    content_sid: str | None = None
    content_variables: dict[str, Any] | None = None


def replies_from_rasa(messages: list[dict[str, Any]]) -> list[Reply]:
    """The replies in Rasa's answer: custom payloads, or plain text from any other action."""
    replies = []
    for message in messages:
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("text"), str):
            replies.append(
                Reply(
                    text=custom["text"],
                    options=tuple(str(option) for option in custom.get("options") or ()),
                    kind=_kind(custom.get("kind")),
                    allow_when_opted_out=custom.get("allow_when_opted_out") is True,
                )
            )
        elif isinstance(message.get("text"), str) and message["text"].strip():
            buttons = message.get("buttons") or ()
            titles = tuple(str(b.get("title")) for b in buttons if isinstance(b, dict))
            replies.append(Reply(text=message["text"], options=titles))
    return replies


def _kind(value: object) -> OutboxKind:
    """The payload's kind; an action's unknown kind is sent as a plain reply (and logged)."""
    try:
        return OutboxKind(str(value or OutboxKind.REPLY))
    except ValueError:
        log.error("an action sent a message of unknown kind %r: sent as a reply", value)
        return OutboxKind.REPLY


def write_reply(
    session: Session,
    key: str,
    learner_id: int,
    reply: Reply,
    now: datetime,
    inbound_id: int | None = None,
) -> bool:
    """Insert the reply unless ``key`` is already in the outbox; True if inserted."""
    values = {
        "idempotency_key": key,
        "learner_id": learner_id,
        "inbound_id": inbound_id,
        "kind": reply.kind,
        "body": reply.text,
        "options": list(reply.options) or None,
        "content_sid": reply.content_sid,
        "content_variables": reply.content_variables,
        "allow_when_opted_out": reply.allow_when_opted_out,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(OutboxMessage).values(values)
    statement = statement.on_conflict_do_nothing(index_elements=["idempotency_key"])
    inserted = rowcount(session.execute(statement)) == 1
    if inserted and reply.kind == OutboxKind.LESSON:
        _link_lesson_delivery(session, learner_id, key)
    return inserted


def _link_lesson_delivery(session: Session, learner_id: int, key: str) -> None:
    """Tie the learner's newest unlinked lesson delivery to the row that carries it.

    The action records the delivery; the row is written after the turn. The
    link lets statistics count a lesson as delivered only when the phone
    confirmed it (the row's status), not when it was merely queued.
    """
    delivery = session.scalar(
        select(LessonDelivery)
        .where(LessonDelivery.learner_id == learner_id, LessonDelivery.outbox_id.is_(None))
        .order_by(LessonDelivery.id.desc())
        .limit(1)
    )
    if delivery is not None:
        delivery.outbox_id = session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
        )


def claim_batch(
    session: Session, now: datetime, lease_until: datetime, limit: int
) -> list[OutboxMessage]:
    """Lease up to ``limit`` of the oldest due rows, at most one per learner (``claims``).

    A batch holds only each learner's first pending row, so a quiz question
    never overtakes its lesson. Rows come with their learner loaded.
    """
    claimed = claim_in_order(session, OutboxMessage, now, lease_until, limit)
    if not claimed:
        return []
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(claimed))
            .options(joinedload(OutboxMessage.learner))
            .order_by(OutboxMessage.id)
            .execution_options(populate_existing=True)
        )
    )


def claim_due(session: Session, now: datetime, lease_until: datetime) -> OutboxMessage | None:
    """Claim the single oldest due row (``claim_batch`` of one)."""
    rows = claim_batch(session, now, lease_until, limit=1)
    return rows[0] if rows else None


def mark_sent(row: OutboxMessage, provider_sid: str, status: str, now: datetime) -> None:
    row.provider_sid = provider_sid
    row.sent_at = now
    row.next_attempt_at = None
    row.error_code = None
    row.error_message = None
    session = object_session(row)
    assert session is not None, "mark_sent needs the row's session"
    # A status callback may have come first (bot.messaging.status), even while this
    # transaction ran: the status only moves forward.
    advance_status(session, row, status, now)
    sync_lesson_receipt(session, row, now)  # the local channel answers "delivered"


def advance_status(session: Session, row: OutboxMessage, status: str, now: datetime) -> bool:
    """Move the row's status forward, never back; False if it was already as far or further.

    A compare-and-set in SQL rather than a check in Python: the sender records
    a send while Twilio's callbacks for it arrive in the web process, maybe
    several at once and out of order, and a status read a moment ago may be
    stale by the time it is written.
    """
    behind = OutboxStatus(status).behind()
    moved = rowcount(
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status.in_(behind))
            .values(status=status, status_updated_at=now)
            .execution_options(synchronize_session=False)
        )
    )
    if moved:
        set_committed_value(row, "status", status)
        set_committed_value(row, "status_updated_at", now)
    else:
        session.refresh(row, ["status", "status_updated_at"])
    return moved == 1


# The statuses that settle whether a lesson reached the phone.
_RECEIPT_STATUSES = frozenset(
    {OutboxStatus.DELIVERED, OutboxStatus.READ, OutboxStatus.FAILED, OutboxStatus.UNDELIVERED}
)


def sync_lesson_receipt(session: Session, row: OutboxMessage, now: datetime) -> None:
    """Mirror a lesson row's status on its delivery: confirmed while delivered or read.

    Call after the row's status changed, in the same transaction; the funnel
    (bot.dashboard) counts ``LessonDelivery.delivered_confirmed_at`` instead of
    joining the outbox. Found through the learner's deliveries (an index), so a
    status callback costs one small indexed update.
    """
    if row.kind != OutboxKind.LESSON or row.status not in _RECEIPT_STATUSES:
        return
    linked = update(LessonDelivery).where(
        LessonDelivery.learner_id == row.learner_id, LessonDelivery.outbox_id == row.id
    )
    if row.status in (OutboxStatus.DELIVERED, OutboxStatus.READ):
        linked = linked.where(LessonDelivery.delivered_confirmed_at.is_(None)).values(
            delivered_confirmed_at=now
        )
    else:
        linked = linked.where(LessonDelivery.delivered_confirmed_at.is_not(None)).values(
            delivered_confirmed_at=None
        )
    session.execute(linked)


def mark_retry(
    row: OutboxMessage, code: int | None, message: str, next_attempt_at: datetime
) -> None:
    row.error_code = code
    row.error_message = message[:300]
    row.next_attempt_at = next_attempt_at


def mark_failed(
    session: Session, row: OutboxMessage, code: int | None, message: str, now: datetime
) -> None:
    """The row will never be sent; record why and what follows from it."""
    row.status = OutboxStatus.FAILED
    row.next_attempt_at = None
    row.status_updated_at = now
    record_provider_error(session, row, code, message, now)


def record_provider_error(
    session: Session, row: OutboxMessage, code: int | None, message: str, now: datetime
) -> None:
    """Store a provider error on the row; 21610 means the learner opted out."""
    row.error_code = code
    row.error_message = (
        WHATSAPP_WINDOW_CLOSED_TEXT if code == WHATSAPP_WINDOW_CLOSED else message
    )[:300]
    if code == OPTED_OUT:
        learner = session.get(Learner, row.learner_id)
        if learner is not None and learner.status != LearnerStatus.ERASED:
            learner.status = LearnerStatus.OPTED_OUT
            learner.opted_out_at = learner.opted_out_at or now


def rowcount(result: Result[Any]) -> int:
    """Rows an INSERT or UPDATE touched (its result is a CursorResult)."""
    assert isinstance(result, CursorResult)
    return result.rowcount
