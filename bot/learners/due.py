"""Who needs something now: the learners due a lesson, a quiz reminder or a "still there?".

Each is one indexed query, read by a scheduler job (``bot.messaging.dispatch``,
``bot.messaging.reminders``), which sends what the learner needs:

- due a lesson: active, slot passed, not paused; a range scan of
  ``ix_learner_due``, oldest slot first;
- a quiz question unanswered for ``reminder_delay_hours`` (``ix_learner_question_asked``);
- silent for ``inactive_days`` with lessons scheduled, on SMS (``ix_learner_silence``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, String, or_, select, tuple_, type_coerce
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.models import Learner
from bot.settings import Settings
from bot.vocab import ChannelName, LearnerStatus

# Pages of ``due_batch_size`` learners a tick reads at most: learners in their
# quiet hours stay candidates, and must not keep the others waiting behind them.
MAX_PAGES = 20


@dataclass(frozen=True)
class DueLearner:
    """A due learner as read by the tick (plain values: it outlives that session)."""

    id: int
    public_id: str
    channel: str
    language: str | None
    timezone: str
    slot: datetime  # next_lesson_at when read: the compare-and-set value and the key
    last_inbound_at: datetime | None


def due_query(
    now: datetime, limit: int, held: Select | None = None, skip: Collection[int] = ()
) -> Select:
    """Due, active, not paused: a range scan of ix_learner_due, oldest slot first.

    ``held``: a query of learner ids whose lessons wait (those talking with
    staff, when ``inbox.pause_lessons`` is set); they stay due. ``skip``: a
    few ids left out (those a tick has handled already).
    """
    query = (
        select(
            Learner.id,
            Learner.public_id,
            Learner.channel,
            Learner.language,
            Learner.timezone,
            Learner.next_lesson_at,
            Learner.last_inbound_at,
        )
        .where(Learner.status == LearnerStatus.ACTIVE, Learner.next_lesson_at <= now)
        .where(or_(Learner.paused_until.is_(None), Learner.paused_until <= now))
        .order_by(Learner.next_lesson_at)
        .limit(limit)
    )
    if skip:
        query = query.where(Learner.id.not_in(skip))
    return query if held is None else query.where(Learner.id.not_in(held))


def find_due(
    session: Session,
    now: datetime,
    limit: int,
    held: Select | None = None,
    skip: Collection[int] = (),
) -> list[DueLearner]:
    return [
        DueLearner(
            id=row.id,
            public_id=row.public_id,
            channel=row.channel,
            language=row.language,
            timezone=row.timezone,
            slot=row.next_lesson_at,
            last_inbound_at=row.last_inbound_at,
        )
        for row in session.execute(due_query(now, limit, held, skip))
    ]


def quiz_reminder_query(now: datetime, settings: Settings, held: Select | None = None) -> Select:
    """Learners whose quiz question was sent ``reminder_delay_hours`` ago or more.

    ``held``: learner ids not reminded now (talking with staff); they stay candidates.
    """
    cutoff = now - timedelta(hours=settings.schedule.reminder_delay_hours)
    query = select(Learner).where(Learner.question_asked_at <= cutoff)
    if held is not None:
        query = query.where(Learner.id.not_in(held))
    return query.order_by(Learner.question_asked_at, Learner.id)


def silent_learner_query(now: datetime, settings: Settings) -> Select:
    """Active SMS learners with lessons scheduled who have not written for ``inactive_days``."""
    cutoff = now - timedelta(days=settings.schedule.inactive_days)
    return (
        select(Learner)
        .where(
            # These three terms are the partial index's: keep them as they are.
            Learner.nudged_at.is_(None),
            Learner.next_lesson_at.is_not(None),
            Learner.last_inbound_at <= cutoff,
            # Written so that ix_learner_due cannot serve it: SQLite would rather
            # scan every active learner with a slot than this job's partial index.
            type_coerce(Learner.status, String) + "" == LearnerStatus.ACTIVE.value,
            Learner.channel != ChannelName.WHATSAPP,
            or_(Learner.paused_until.is_(None), Learner.paused_until <= cutoff),
        )
        .order_by(Learner.last_inbound_at, Learner.id)
    )


def quiz_reminder_candidates(
    session: Session, now: datetime, settings: Settings, held: Select | None = None
) -> Iterator[Learner]:
    query = quiz_reminder_query(now, settings, held)
    return pages(session, query, Learner.question_asked_at, settings.schedule.due_batch_size)


def silent_learners(session: Session, now: datetime, settings: Settings) -> Iterator[Learner]:
    query = silent_learner_query(now, settings)
    return pages(session, query, Learner.last_inbound_at, settings.schedule.due_batch_size)


def pages(
    session: Session, query: Select, order: InstrumentedAttribute[datetime | None], size: int
) -> Iterator[Learner]:
    """The query's learners (ordered by ``order``, then id) a page at a time (keyset: no OFFSET)."""
    after: tuple[datetime | None, int] | None = None
    for _ in range(MAX_PAGES):
        page_query = query.limit(size)
        if after is not None:
            page_query = page_query.where(tuple_(order, Learner.id) > tuple_(*after))
        page = list(session.scalars(page_query))
        if page:  # read before the handlers change the learners
            after = (getattr(page[-1], order.key), page[-1].id)
        yield from page
        if len(page) < size:
            return
