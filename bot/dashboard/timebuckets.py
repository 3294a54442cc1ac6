"""Time series buckets (day, week, month) in the reporting time zone.

Times are stored as naive UTC. The database counts per UTC hour (a cheap text
or ``date_trunc`` key, computed once per row); Python then files each hour
under the local day, week or month it falls in, which stays right across a
daylight-saving change. A zone with an offset that is not a whole number of
hours (India, Nepal, Newfoundland) is counted per minute instead.

A bucket is named by its first local day, "YYYY-MM-DD". Weeks start on Monday.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache
from typing import Any, Literal

from sqlalchemy import func
from sqlalchemy.sql.elements import ColumnElement

Unit = Literal["day", "week", "month"]
# The finest unit that keeps a chart readable (and its counts above 5 more often).
_MAX_DAYS_BY_DAY = 45
_MAX_DAYS_BY_WEEK = 26 * 7
# Years whose offsets decide between hourly and per-minute keys.
_OFFSET_YEARS = range(1990, 2051)


def choose_unit(start: date, end: date) -> Unit:
    days = (end - start).days + 1
    if days <= _MAX_DAYS_BY_DAY:
        return "day"
    return "week" if days <= _MAX_DAYS_BY_WEEK else "month"


@cache
def whole_hours(zone: tzinfo) -> bool:
    """True when every offset of the zone (winter and summer) is a whole number of hours."""
    for year in _OFFSET_YEARS:
        for month in (1, 7):
            offset = datetime(year, month, 1, tzinfo=zone).utcoffset() or timedelta()
            if offset % timedelta(hours=1):
                return False
    return True


def utc_slot(column: Any, dialect: str, zone: tzinfo) -> ColumnElement[Any]:
    """SQL for the UTC hour (or minute) of a stored time: runs once per row, so cheap."""
    hourly = whole_hours(zone)
    if dialect == "postgresql":
        return func.date_trunc("hour" if hourly else "minute", column)
    # SQLAlchemy stores times in SQLite as "YYYY-MM-DD HH:MM:SS.ffffff" text.
    return func.substr(column, 1, 13 if hourly else 16)


def _as_utc(slot: datetime | str) -> datetime:
    if isinstance(slot, str):  # SQLite: "YYYY-MM-DD HH" or "YYYY-MM-DD HH:MM"
        slot = datetime.fromisoformat(slot if len(slot) > 13 else slot + ":00")
    return slot.replace(tzinfo=UTC)


def first_day(day: date, unit: Unit) -> date:
    if unit == "week":
        return day - timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def sum_by_bucket(rows: Iterable[Sequence[Any]], unit: Unit, zone: tzinfo) -> dict[str, list[int]]:
    """{bucket: sums} from rows of (UTC slot, count, count, ...)."""
    sums: dict[str, list[int]] = {}
    names: dict[date, str] = {}  # a year has 8,760 hours but only 365 days
    for slot, *counts in rows:
        local = _as_utc(slot).astimezone(zone).date()
        name = names.get(local) or names.setdefault(local, first_day(local, unit).isoformat())
        totals = sums.setdefault(name, [0] * len(counts))
        for position, count in enumerate(counts):
            totals[position] += int(count or 0)
    return sums


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
