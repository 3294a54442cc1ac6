"""New outbox rows, written once per idempotency key; the sender's claim of the due ones."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any, Protocol, cast

from sqlalchemy import String, Table, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload

from bot.messaging.claims import claim_in_order
from bot.messaging.replies import Reply
from bot.models import Learner, LessonDelivery, OutboxMessage
from bot.vocab import OutboxKind, OutboxStatus

OUTBOX = cast(Table, OutboxMessage.__table__)
# Learners who get the very same message are written by one INSERT ... SELECT.
SHARED_MESSAGE_MIN = 10


class Addressee(Protocol):
    """A learner a row goes to: what its key and foreign key need."""

    @property
    def id(self) -> int: ...

    @property
    def public_id(self) -> str: ...


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
        "buttons": list(reply.buttons) or None,
        "keywords": [list(pair) for pair in reply.keywords] or None,
        "content_sid": reply.content_sid,
        "content_variables": reply.content_variables,
        "allow_when_opted_out": reply.allow_when_opted_out,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    inserted = session.execute(_reply_insert(dialect), values).scalar() is not None
    if inserted and reply.kind == OutboxKind.LESSON:
        _link_lesson_delivery(session, learner_id, key)
    return inserted


def new_row(
    kind: OutboxKind,
    body: str,
    now: datetime,
    *,
    content_sid: str | None = None,
    content_variables: dict[str, Any] | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    """The columns of a pending row but its key and learner (for ``write_many``)."""
    return {
        "kind": kind,
        "body": body,
        "content_sid": content_sid,
        "content_variables": content_variables,
        "channel": channel,
        "allow_when_opted_out": False,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "created_at": now,
    }


def write_many(
    session: Session,
    key_prefix: str,
    groups: Iterable[tuple[dict[str, Any], Sequence[Addressee]]],
) -> dict[int, int]:
    """One row per addressee (key: prefix + public id), each group sharing ``new_row`` columns.

    Returns {learner id: row id}, rows written before included: a key written
    before (a crash after the insert) is kept as it is and looked up. Learners
    of a large group are written by one INSERT ... SELECT each; the rest in
    one multi-row INSERT (a broadcast's batch: statements, not rows, cost).
    """
    insert = _insert(session)
    written: dict[int, int] = {}
    singles: list[dict[str, Any]] = []
    everyone: list[Addressee] = []
    for common, learners in groups:
        everyone += learners
        if len(learners) < SHARED_MESSAGE_MIN:
            singles += [
                {"idempotency_key": key_prefix + learner.public_id, "learner_id": learner.id}
                | common
                for learner in learners
            ]
            continue
        chosen = select(
            literal(key_prefix, String()) + Learner.public_id,
            Learner.id,
            *(literal(value, OUTBOX.c[name].type) for name, value in common.items()),
        ).where(Learner.id.in_([learner.id for learner in learners]))
        statement = insert(OUTBOX).from_select(["idempotency_key", "learner_id", *common], chosen)
        result = session.execute(
            statement.on_conflict_do_nothing(index_elements=["idempotency_key"]).returning(
                OUTBOX.c.learner_id, OUTBOX.c.id
            )
        )
        written.update({learner_id: outbox_id for learner_id, outbox_id in result})
    if singles:
        result = session.execute(
            insert(OUTBOX)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
            .returning(OUTBOX.c.learner_id, OUTBOX.c.id),
            singles,
        )
        written.update({learner_id: outbox_id for learner_id, outbox_id in result})
    earlier = [key_prefix + learner.public_id for learner in everyone if learner.id not in written]
    if earlier:
        found = session.execute(
            select(OUTBOX.c.learner_id, OUTBOX.c.id).where(OUTBOX.c.idempotency_key.in_(earlier))
        )
        written.update({learner_id: outbox_id for learner_id, outbox_id in found})
    return written


@cache
def _reply_insert(dialect: str) -> Any:
    """One reply's INSERT, built once: the values go as parameters.

    On the table, not the mapped class, and not rebuilt per reply: building
    an ORM insert with its values cost about as much CPU as running it, on
    the path of every reply of every turn. RETURNING, not rowcount: an
    INSERT's rowcount is -1 with the psycopg dialect.
    """
    statement = _insert_for(dialect)(OUTBOX)
    statement = statement.on_conflict_do_nothing(index_elements=["idempotency_key"])
    return statement.returning(OUTBOX.c.id)


def _insert(session: Session) -> Any:
    """The session's dialect's INSERT, which has ON CONFLICT DO NOTHING."""
    return _insert_for(session.get_bind().dialect.name)


def _insert_for(dialect: str) -> Any:
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


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
    session: Session,
    now: datetime,
    lease_until: datetime,
    limit: int,
    exclude: Collection[int] = (),
) -> list[OutboxMessage]:
    """Lease up to ``limit`` of the oldest due rows, at most one per learner (``claims``).

    A batch holds only each learner's first pending row, so a quiz question
    never overtakes its lesson. Rows come with their learner loaded.
    ``exclude``: the sender's rows still in flight, never claimed again by it.
    """
    claimed = claim_in_order(session, OutboxMessage, now, lease_until, limit, exclude)
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
