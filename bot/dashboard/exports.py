"""The learner-progress CSV: one row per learner and course, by pseudonymous id.

It carries the opaque ``public_id`` and figures only: no phone number, no
profile name, no message text. Rows are per learner, so "<5" does not apply
to the figures; instead a cohort (the learners the filters select) of fewer
than 5 is refused, since its rows would describe those few people one by one.
The aggregate tables' exports are in ``tables.table_csv``. The counting is done
by SQL (the counters each lesson delivery keeps), and rows stream out as they
are read. Dates are days of the reporting time zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.dashboard.filters import Filters
from bot.dashboard.queries import in_period, learner_filter
from bot.dashboard.tables import csv_lines
from bot.db import session_scope
from bot.models import Enrollment, Learner, LessonDelivery

_BATCH = 2000


def progress_query(filters: Filters) -> Select:  # type: ignore[type-arg]
    # Per learner and course, from the counters each lesson delivery keeps.
    lessons = (
        select(
            LessonDelivery.learner_id,
            LessonDelivery.course_key,
            func.count(LessonDelivery.id).label("sent"),
            func.count(LessonDelivery.delivered_confirmed_at).label("delivered"),
            func.sum(LessonDelivery.questions_answered).label("answered"),
            func.sum(LessonDelivery.answered_right).label("right"),
        )
        .group_by(LessonDelivery.learner_id, LessonDelivery.course_key)
        .subquery()
    )
    return (
        select(
            Learner.public_id,
            Learner.language,
            Learner.channel,
            Learner.status,
            Learner.created_at,
            Enrollment.course_key,
            Enrollment.enrolled_at,
            Enrollment.completed_at,
            func.coalesce(lessons.c.sent, 0),
            func.coalesce(lessons.c.delivered, 0),
            func.coalesce(lessons.c.answered, 0),
            func.coalesce(lessons.c.right, 0),
            Learner.last_inbound_at,
        )
        .join(Enrollment, Enrollment.learner_id == Learner.id)
        .outerjoin(
            lessons,
            and_(lessons.c.learner_id == Learner.id, lessons.c.course_key == Enrollment.course_key),
        )
        .where(
            *learner_filter(filters, by_course=False),
            *([Enrollment.course_key == filters.course] if filters.course else []),
            *in_period(Enrollment.enrolled_at, filters),
        )
        .order_by(Learner.public_id, Enrollment.course_key)
    )


def cohort_size(session: Session, filters: Filters) -> int:
    """How many learners the export would describe."""
    rows = progress_query(filters).subquery()
    return int(session.scalar(select(func.count(func.distinct(rows.c.public_id)))) or 0)


def progress_header() -> list[str]:
    return [
        _("Learner (pseudonymous id)"),
        _("Language"),
        _("Channel"),
        _("Status"),
        _("Signed up on"),
        _("Course"),
        _("Enrolled on"),
        _("Completed on"),
        _("Lessons sent"),
        _("Lessons delivered"),
        _("Questions answered"),
        _("Right on the first try"),
        _("Last message from the learner"),
    ]


def progress_rows(session: Session, filters: Filters) -> Iterator[tuple]:
    result = session.execute(progress_query(filters).execution_options(yield_per=_BATCH))
    day = filters.local_date
    for row in result:
        (public_id, language, channel, status, signed_up, course, enrolled, completed) = row[:8]
        sent, delivered, answered, right, last_inbound = row[8:]
        yield (
            public_id,
            language,
            channel,
            status,
            _text(day(signed_up)),
            course,
            _text(day(enrolled)),
            _text(day(completed)),
            sent,
            delivered,
            answered,
            right,
            _text(day(last_inbound)),
        )


def _text(value: date | None) -> str | None:
    return value.isoformat() if value else None


def progress_csv(factory: sessionmaker[Session], filters: Filters) -> Iterator[str]:
    with session_scope(factory) as session:
        yield from csv_lines(progress_header(), progress_rows(session, filters))
