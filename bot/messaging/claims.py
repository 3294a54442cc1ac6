"""Claiming work in each learner's order: the inbound messages and the outbox.

Both queues hold rows with ``learner_id``, ``status``, ``attempts`` and
``next_attempt_at``. A row is *due* when it is pending, its ``next_attempt_at``
has passed (or is unset), and no earlier row of the same learner is still
pending: a learner's second message never overtakes the first, however many
threads or processes take work.

A claim counts an attempt and leases the rows (``next_attempt_at`` = the end
of the lease), in a short transaction of its own: should the claimant die,
the rows are simply due again when the lease ends. On PostgreSQL the read
skips rows other transactions are claiming (``FOR UPDATE SKIP LOCKED``); the
compare-and-set update makes the claim safe on SQLite as well, where another
thread may have read the same rows.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session, aliased

PENDING = "pending"  # InboundStatus.PENDING and OutboxStatus.PENDING
# Another claimant won the race for every row read: read again, a few times.
RACE_RETRIES = 3


def claim_in_order(
    session: Session,
    model: Any,
    now: datetime,
    lease_until: datetime,
    limit: int,
    exclude: Collection[int] = (),
) -> list[int]:
    """Lease up to ``limit`` of the oldest due rows of ``model``, one per learner; their ids.

    ``exclude``: rows the claimant is still working on. Their lease may have
    ended on its clock (the database stalled while it held them), but they
    are not due for it: it would run them twice.
    """
    for _ in range(RACE_RETRIES):
        candidates = list(session.scalars(_due_ids(session, model, now, limit, exclude)))
        if not candidates:
            return []
        # On the table, not the mapped class: the ORM's bulk update costs more
        # CPU than the statement itself, and no loaded object needs syncing.
        table = model.__table__
        claimed = list(
            session.scalars(
                update(table)
                .where(table.c.id.in_(candidates), table.c.status == PENDING, _due(table.c, now))
                .values(attempts=table.c.attempts + 1, next_attempt_at=lease_until)
                .returning(table.c.id)
            )
        )
        if claimed:
            return sorted(claimed)
    return []


def _due(model: Any, now: datetime) -> ColumnElement[bool]:
    return or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now)


@cache
def _earlier(model: Any) -> Any:
    """One alias per queue for the whole process: building it copies every column."""
    return aliased(model)


def _due_ids(
    session: Session, model: Any, now: datetime, limit: int, exclude: Collection[int]
) -> Any:
    earlier = _earlier(model)
    waiting_behind = (
        select(earlier.id)
        .where(earlier.learner_id == model.learner_id)
        .where(earlier.status == PENDING)
        .where(earlier.id < model.id)
        .exists()
    )
    query = (
        select(model.id)
        .where(model.status == PENDING, _due(model, now), ~waiting_behind)
        .order_by(model.id)
        .limit(limit)
    )
    if exclude:
        query = query.where(model.id.not_in(list(exclude)))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return query
