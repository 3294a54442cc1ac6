"""SQL aggregates behind the dashboard: the database counts, Python gets one row per group.

Learner filters (language, channel, tag, course) are conditions on ``learner``;
the date range (days of the reporting time zone) applies to each view's own
event: sign-up (overview), enrolment (funnel), answer (quiz) and message
creation (delivery).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, case, distinct, exists, func, literal, null, select, union_all
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from bot.dashboard.filters import Filters
from bot.dashboard.timebuckets import Unit, sum_by_bucket, utc_slot
from bot.models import Enrollment, Learner, LessonDelivery
from bot.staff.models import JoinCode, JoinCodeUse, LearnerTag
from bot.vocab import LearnerStatus, OutboxStatus

LEFT = (LearnerStatus.OPTED_OUT, LearnerStatus.ERASED)
DELIVERED = (OutboxStatus.DELIVERED, OutboxStatus.READ)
WAITING = (OutboxStatus.PENDING, OutboxStatus.QUEUED)
FAILED = (OutboxStatus.FAILED, OutboxStatus.UNDELIVERED)


def count_if(condition: ColumnElement[bool] | InstrumentedAttribute[bool]) -> ColumnElement[int]:
    """COUNT(CASE WHEN condition THEN 1 END): 0, never NULL, on an empty group."""
    return func.count(case((condition, 1)))


def learner_filter(filters: Filters, *, by_course: bool = True) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.language:
        conditions.append(Learner.language == filters.language)
    if filters.channel:
        conditions.append(Learner.channel == filters.channel)
    if filters.tag:
        conditions.append(
            exists().where(LearnerTag.learner_id == Learner.id, LearnerTag.tag == filters.tag)
        )
    if filters.course and by_course:
        # An alias: the query this joins may select from ``enrollment`` itself.
        enrolled = aliased(Enrollment)
        conditions.append(
            exists().where(enrolled.learner_id == Learner.id, enrolled.course_key == filters.course)
        )
    return conditions


def matching_learners(filters: Filters, *, by_course: bool = True) -> Select | None:  # type: ignore[type-arg]
    """The ids of the learners the filters select, or None when they select everyone.

    Event tables take it as ``learner_id IN (...)``: cheaper than a join per row.
    """
    conditions = learner_filter(filters, by_course=by_course)
    return select(Learner.id).where(*conditions) if conditions else None


def in_period(column: Any, filters: Filters) -> list[ColumnElement[bool]]:
    since, until = filters.since(), filters.until()
    return [
        *([column >= since] if since else []),
        *([column < until] if until else []),
    ]


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def tag_names(session: Session) -> tuple[str, ...]:
    return tuple(session.scalars(select(LearnerTag.tag).distinct().order_by(LearnerTag.tag)))


def first_signup(session: Session) -> datetime | None:
    return session.scalar(select(func.min(Learner.created_at)))


# -- overview -------------------------------------------------------------------------


@dataclass(frozen=True)
class LearnerCounts:
    key: str | None  # the group's value (language, channel, course); None: not set
    learners: int
    enrolled: int
    completed: int
    active_7: int
    active_30: int
    left: int  # opted out or erased


FIGURES = ("learners", "enrolled", "completed", "active_7", "active_30", "left")


def learner_counts(
    session: Session, filters: Filters, now: datetime
) -> dict[str, list[LearnerCounts]]:
    """Learners who signed up in the period: {"total": [one row], "language": [...],
    "channel": [...]}, from one pass over ``learner`` (counted per language and
    channel, then summed three ways).

    Active means the learner wrote to us in the last 7 or 30 days before ``now``.
    """
    enrolments = (
        select(
            Enrollment.learner_id,
            func.max(case((Enrollment.completed_at.is_not(None), 1), else_=0)).label("completed"),
        )
        .group_by(Enrollment.learner_id)
        .subquery()
    )
    per_group = (
        select(
            Learner.language,
            Learner.channel,
            func.count(Learner.id).label("learners"),
            func.count(enrolments.c.learner_id).label("enrolled"),
            func.coalesce(func.sum(enrolments.c.completed), 0).label("completed"),
            count_if(Learner.last_inbound_at >= now - timedelta(days=7)).label("active_7"),
            count_if(Learner.last_inbound_at >= now - timedelta(days=30)).label("active_30"),
            count_if(Learner.status.in_(LEFT)).label("left"),
        )
        .outerjoin(enrolments, enrolments.c.learner_id == Learner.id)
        .where(*learner_filter(filters), *in_period(Learner.created_at, filters))
        .group_by(Learner.language, Learner.channel)
        .cte("per_group")
    )
    sums = [func.coalesce(func.sum(per_group.c[name]), 0) for name in FIGURES]
    rows = union_all(
        select(literal("total").label("kind"), null().label("key"), *sums),
        select(literal("language"), per_group.c.language, *sums).group_by(per_group.c.language),
        select(literal("channel"), per_group.c.channel, *sums).group_by(per_group.c.channel),
    ).subquery()
    query = select(rows).order_by(rows.c.kind, rows.c.key.nulls_last())
    counts: dict[str, list[LearnerCounts]] = {"total": [], "language": [], "channel": []}
    for kind, key, *figures in session.execute(query):
        counts[kind].append(LearnerCounts(key, *(int(n) for n in figures)))
    return counts


def join_code_counts(session: Session, filters: Filters) -> list[tuple[str, str, int]]:
    """Per join code (code, tag): the selected learners who joined with it in the period."""
    joined = (
        select(JoinCodeUse.join_code_id, func.count(JoinCodeUse.id).label("joined"))
        .join(Learner, Learner.id == JoinCodeUse.learner_id)
        .where(*learner_filter(filters), *in_period(JoinCodeUse.joined_at, filters))
        .group_by(JoinCodeUse.join_code_id)
        .subquery()
    )
    rows = session.execute(
        select(JoinCode.code, JoinCode.tag, func.coalesce(joined.c.joined, 0))
        .outerjoin(joined, joined.c.join_code_id == JoinCode.id)
        .order_by(JoinCode.code)
    )
    return [(code, tag, int(count)) for code, tag, count in rows]


def learner_counts_by_course(
    session: Session, filters: Filters, now: datetime
) -> list[LearnerCounts]:
    """The same per course enrolled in (a learner counts in each of their courses)."""
    query = (
        select(
            Enrollment.course_key,
            func.count(distinct(Learner.id)),
            func.count(Enrollment.id),
            func.count(Enrollment.completed_at),
            count_if(Learner.last_inbound_at >= now - timedelta(days=7)),
            count_if(Learner.last_inbound_at >= now - timedelta(days=30)),
            count_if(Learner.status.in_(LEFT)),
        )
        .select_from(Learner)
        .outerjoin(Enrollment, Enrollment.learner_id == Learner.id)
        .where(*learner_filter(filters), *in_period(Learner.created_at, filters))
        .group_by(Enrollment.course_key)
        .order_by(Enrollment.course_key)
    )
    return [LearnerCounts(*row) for row in session.execute(query)]


def signups_and_optouts(session: Session, filters: Filters, unit: Unit) -> dict[str, list[int]]:
    """{bucket: [sign-ups, opt-outs]}: each counted on its own date."""
    series: dict[str, list[int]] = {}
    for position, column in enumerate((Learner.created_at, Learner.opted_out_at)):
        counts = per_bucket(
            session,
            column,
            unit,
            filters,
            (func.count(Learner.id),),
            [column.is_not(None), *learner_filter(filters), *in_period(column, filters)],
        )
        for name, (count,) in counts.items():
            series.setdefault(name, [0, 0])[position] = count
    return series


def per_bucket(
    session: Session,
    column: Any,
    unit: Unit,
    filters: Filters,
    counts: Sequence[ColumnElement[int]],
    conditions: Sequence[ColumnElement[bool]],
) -> dict[str, list[int]]:
    """{bucket: counts} per time bucket of ``column`` in the reporting zone: the database
    counts per UTC hour, Python files the hours under local days (see ``timebuckets``)."""
    slot = utc_slot(column, dialect(session), filters.zone)
    query = select(slot, *counts).where(*conditions).group_by(slot)
    return sum_by_bucket(session.execute(query), unit, filters.zone)


# -- completion funnel ----------------------------------------------------------------


def _cohort(filters: Filters, course: str) -> Select | None:  # type: ignore[type-arg]
    """Learners who enrolled in the course in the period, or None for "all of them"
    (a lesson of the course only ever goes to a learner enrolled in it)."""
    conditions = [*learner_filter(filters, by_course=False)]
    period = in_period(Enrollment.enrolled_at, filters)
    if not conditions and not period:
        return None
    query = select(Enrollment.learner_id).where(Enrollment.course_key == course, *period)
    if conditions:
        query = query.join(Learner, Learner.id == Enrollment.learner_id).where(*conditions)
    return query


def enrolment_totals(session: Session, filters: Filters, course: str) -> tuple[int, int]:
    """(enrolled, completed) for the course's learners who enrolled in the period."""
    learners = matching_learners(filters, by_course=False)
    row = session.execute(
        select(func.count(Enrollment.id), func.count(Enrollment.completed_at)).where(
            Enrollment.course_key == course,
            *in_period(Enrollment.enrolled_at, filters),
            *([Enrollment.learner_id.in_(learners)] if learners is not None else []),
        )
    ).one()
    return row[0], row[1]


@dataclass(frozen=True)
class LessonOutcome:
    sent: int
    delivered: int  # the phone confirmed it (delivered or read)
    answered: int  # answered every question of the lesson
    right: int  # and every first answer was right


def lesson_outcomes(
    session: Session, filters: Filters, course: str, questions: Mapping[str, int]
) -> dict[str, LessonOutcome]:
    """{lesson: outcome} for the course's lessons, from one grouped read of ``lesson_delivery``.

    ``questions`` gives each lesson's number of questions (from the lesson files):
    a learner answered the lesson when their first answers reach it. The counters
    are kept by the writes (bot.messaging.outbox.sync_lesson_receipt,
    bot.learners.progress.grade_answer).
    """
    if not questions:
        return {}
    cohort = _cohort(filters, course)
    needed = case(dict(questions), value=LessonDelivery.lesson_key)
    query = (
        select(
            LessonDelivery.lesson_key,
            func.count(LessonDelivery.learner_id),
            func.count(LessonDelivery.delivered_confirmed_at),
            count_if(LessonDelivery.questions_answered >= needed),
            count_if(LessonDelivery.answered_right >= needed),
        )
        .where(
            LessonDelivery.course_key == course,
            *([LessonDelivery.learner_id.in_(cohort)] if cohort is not None else []),
        )
        .group_by(LessonDelivery.lesson_key)
    )
    return {key: LessonOutcome(*counts) for key, *counts in session.execute(query)}
