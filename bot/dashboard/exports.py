"""The learner-progress CSV: one row per learner and course, by pseudonymous id.

It carries the opaque ``public_id`` and figures only: no phone number, no
profile name, no message text. Rows are per learner, so "<5" does not apply;
the aggregate tables' exports are in ``tables.table_csv``. The counting is done
by SQL (grouped subqueries), and rows stream out as they are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, func, null, select
from sqlalchemy.orm import Session, sessionmaker

from bot.dashboard.filters import Filters
from bot.dashboard.queries import DELIVERED, count_if, in_period, learner_filter
from bot.dashboard.tables import csv_lines
from bot.db import session_scope
from bot.models import Enrollment, Learner, LessonDelivery, OutboxMessage, QuizAttempt
from lessons import Catalog

_BATCH = 2000


def progress_query(filters: Filters, catalog: Catalog) -> Select:  # type: ignore[type-arg]
    deliveries = (
        select(
            LessonDelivery.learner_id,
            LessonDelivery.course_key,
            func.count(LessonDelivery.id).label("sent"),
            count_if(OutboxMessage.status.in_(DELIVERED)).label("delivered"),
        )
        .outerjoin(OutboxMessage, OutboxMessage.id == LessonDelivery.outbox_id)
        .group_by(LessonDelivery.learner_id, LessonDelivery.course_key)
        .subquery()
    )
    course_of = {lesson.key: lesson.course_key for lesson in catalog.lessons}
    # A lesson's course, from the lesson files (answers do not store it).
    lesson_course = (case(course_of, value=QuizAttempt.lesson_key) if course_of else null()).label(
        "course_key"
    )
    answers = (
        select(
            QuizAttempt.learner_id,
            lesson_course,
            func.count(QuizAttempt.id).label("answered"),
            count_if(QuizAttempt.correct).label("right"),
        )
        .where(QuizAttempt.attempt_number == 1)
        .group_by(QuizAttempt.learner_id, lesson_course)
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
            func.coalesce(deliveries.c.sent, 0),
            func.coalesce(deliveries.c.delivered, 0),
            func.coalesce(answers.c.answered, 0),
            func.coalesce(answers.c.right, 0),
            Learner.last_inbound_at,
        )
        .join(Enrollment, Enrollment.learner_id == Learner.id)
        .outerjoin(
            deliveries,
            and_(
                deliveries.c.learner_id == Learner.id,
                deliveries.c.course_key == Enrollment.course_key,
            ),
        )
        .outerjoin(
            answers,
            and_(answers.c.learner_id == Learner.id, answers.c.course_key == Enrollment.course_key),
        )
        .where(
            *learner_filter(filters, by_course=False),
            *([Enrollment.course_key == filters.course] if filters.course else []),
            *in_period(Enrollment.enrolled_at, filters),
        )
        .order_by(Learner.public_id, Enrollment.course_key)
    )


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


def _day(value: datetime | date | None) -> str | None:
    return value.date().isoformat() if isinstance(value, datetime) else None


def progress_rows(session: Session, filters: Filters, catalog: Catalog) -> Iterator[tuple]:
    result = session.execute(progress_query(filters, catalog).execution_options(yield_per=_BATCH))
    for row in result:
        (public_id, language, channel, status, signed_up, course, enrolled, completed) = row[:8]
        sent, delivered, answered, right, last_inbound = row[8:]
        yield (
            public_id,
            language,
            channel,
            status,
            _day(signed_up),
            course,
            _day(enrolled),
            _day(completed),
            sent,
            delivered,
            answered,
            right,
            _day(last_inbound),
        )


def progress_csv(
    factory: sessionmaker[Session], filters: Filters, catalog: Catalog
) -> Iterator[str]:
    with session_scope(factory) as session:
        yield from csv_lines(progress_header(), progress_rows(session, filters, catalog))
