"""Time series buckets (day, week, month), computed by the database.

A bucket is named by its first day, "YYYY-MM-DD", on SQLite and PostgreSQL
alike. Weeks start on Monday. Times are UTC, as stored.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement

Unit = Literal["day", "week", "month"]
# The finest unit that keeps a chart readable (and its counts above 5 more often).
_MAX_DAYS_BY_DAY = 45
_MAX_DAYS_BY_WEEK = 26 * 7


def choose_unit(start: date, end: date) -> Unit:
    days = (end - start).days + 1
    if days <= _MAX_DAYS_BY_DAY:
        return "day"
    return "week" if days <= _MAX_DAYS_BY_WEEK else "month"


def day_of(column: Any, dialect: str) -> ColumnElement[Any]:
    """SQL for the day of a stored time: cheap, as it runs once per row."""
    if dialect == "postgresql":
        return func.date_trunc("day", column)
    # SQLAlchemy stores times in SQLite as "YYYY-MM-DD HH:MM:SS.ffffff" text.
    return func.substr(column, 1, 10)


def bucket_of_day(day: Any, unit: Unit, dialect: str) -> ColumnElement[str]:
    """SQL for the first day of the bucket a ``day_of`` value falls in, as "YYYY-MM-DD"."""
    if dialect == "postgresql":
        return func.to_char(func.date_trunc(unit, day), "YYYY-MM-DD")
    if unit == "day":
        return day
    if unit == "week":
        # Back six days, then forward to the next Monday: the Monday on or before.
        return func.date(day, "-6 days", "weekday 1")
    return func.substr(day, 1, 7).concat("-01")


def first_day(day: date, unit: Unit) -> date:
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def labels(start: date, end: date, unit: Unit) -> list[str]:
    """Every bucket from ``start`` to ``end``, so that empty ones show as zero."""
    names, day = [], first_day(start, unit)
    while day <= end:
        names.append(day.isoformat())
        if unit == "month":
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            day += timedelta(days=7 if unit == "week" else 1)
    return names


def as_date(value: datetime | date | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value
