"""SQL aggregates for the delivery health view: outbox messages by status, channel, time.

A message's channel is its learner's; "delivered" counts WhatsApp's "read" too.
Messages are first counted per learner (one pass in index order), and only
those per-learner rows meet the ``learner`` table: that also tells how many
learners each figure rests on, which the privacy rule needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import Subquery, case, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.dashboard.filters import Filters
from bot.dashboard.queries import (
    DELIVERED,
    FAILED,
    WAITING,
    count_if,
    in_period,
    learner_filter,
    matching_learners,
    per_bucket,
)
from bot.dashboard.timebuckets import Unit
from bot.models import Learner, OutboxMessage
from bot.vocab import ChannelName, OutboxStatus


@dataclass(frozen=True)
class DeliveryCounts:
    key: str  # a channel, or a bucket's first day
    messages: int
    waiting: int  # not yet accepted by the provider
    sent: int  # accepted, no delivery receipt yet
    delivered: int  # delivered or read
    read: int
    failed: int  # failed or undelivered
    segments: int  # SMS segments of the messages sent
    learners: int  # how many learners these messages went to (0: not counted)

    FIGURES: ClassVar = (
        "messages",
        "waiting",
        "sent",
        "delivered",
        "read",
        "failed",
        "segments",
        "learners",
    )


def _status_counts() -> tuple[ColumnElement[int], ...]:
    status = OutboxMessage.status
    return (
        func.count(OutboxMessage.id),
        count_if(status.in_(WAITING)),
        count_if(status == OutboxStatus.SENT),
        count_if(status.in_(DELIVERED)),
        count_if(status == OutboxStatus.READ),
        count_if(status.in_(FAILED)),
    )


def _per_learner(filters: Filters) -> Subquery:
    sent_segments = case((OutboxMessage.sent_at.is_not(None), OutboxMessage.segments), else_=0)
    names = ("messages", "waiting", "sent", "delivered", "read", "failed")
    return (
        select(
            OutboxMessage.learner_id,
            *(count.label(name) for count, name in zip(_status_counts(), names, strict=True)),
            func.coalesce(func.sum(sent_segments), 0).label("segments"),
        )
        .where(*in_period(OutboxMessage.created_at, filters))
        .group_by(OutboxMessage.learner_id)
        .subquery()
    )


def delivery_by_channel(session: Session, filters: Filters) -> list[DeliveryCounts]:
    """Messages created in the period, per channel of the learners the filters select."""
    counts = _per_learner(filters)
    sums: list[Any] = [
        func.sum(counts.c[name]) for name in ("messages", "waiting", "sent", "delivered")
    ]
    sums += [func.sum(counts.c.read), func.sum(counts.c.failed)]
    sms_segments = func.sum(case((Learner.channel == ChannelName.SMS, counts.c.segments), else_=0))
    query = (
        select(Learner.channel, *sums, sms_segments, func.count(counts.c.learner_id))
        .join(Learner, Learner.id == counts.c.learner_id)
        .where(*learner_filter(filters))
        .group_by(Learner.channel)
        .order_by(Learner.channel)
    )
    return [
        DeliveryCounts(key, *(int(n or 0) for n in rest)) for key, *rest in session.execute(query)
    ]


def delivery_over_time(session: Session, filters: Filters, unit: Unit) -> list[DeliveryCounts]:
    """The same per time bucket (learners are not counted per bucket)."""
    learners = matching_learners(filters)
    buckets = per_bucket(
        session,
        OutboxMessage.created_at,
        unit,
        filters,
        _status_counts(),
        [
            *in_period(OutboxMessage.created_at, filters),
            *([OutboxMessage.learner_id.in_(learners)] if learners is not None else []),
        ],
    )
    return [
        DeliveryCounts(
            key=key,
            messages=messages,
            waiting=waiting,
            sent=sent,
            delivered=delivered,
            read=read,
            failed=failed,
            segments=0,
            learners=0,
        )
        for key, (messages, waiting, sent, delivered, read, failed) in sorted(buckets.items())
    ]


def failures(
    session: Session, filters: Filters
) -> list[tuple[str, str | None, int | None, int, int]]:
    """(channel, failure reason, error code, messages, learners) of the messages that failed."""
    per_learner = (
        select(
            OutboxMessage.learner_id,
            OutboxMessage.failure_reason,
            OutboxMessage.error_code,
            func.count(OutboxMessage.id).label("messages"),
        )
        .where(OutboxMessage.status.in_(FAILED), *in_period(OutboxMessage.created_at, filters))
        .group_by(OutboxMessage.learner_id, OutboxMessage.failure_reason, OutboxMessage.error_code)
        .subquery()
    )
    messages = func.sum(per_learner.c.messages)
    reason, code = per_learner.c.failure_reason, per_learner.c.error_code
    query = (
        select(Learner.channel, reason, code, messages, func.count())
        .join(Learner, Learner.id == per_learner.c.learner_id)
        .where(*learner_filter(filters))
        .group_by(Learner.channel, reason, code)
        .order_by(messages.desc(), Learner.channel)
    )
    return [
        (channel, reason, code, int(n), int(who))
        for channel, reason, code, n, who in session.execute(query)
    ]
