"""When staff answer: the programme's office hours (settings ``inbox``), in its time zone.

Times in the database are naive UTC, as everywhere in the app; the office
hours are local clock times on ISO weekdays.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.settings import Settings


def _local(now: datetime, settings: Settings) -> datetime:
    return now.replace(tzinfo=UTC).astimezone(ZoneInfo(settings.inbox.timezone))


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def is_open(now: datetime, settings: Settings) -> bool:
    """True when ``now`` (naive UTC) falls within office hours."""
    local = _local(now, settings)
    opens, closes = _clock(settings.inbox.office_opens), _clock(settings.inbox.office_closes)
    return local.isoweekday() in settings.inbox.office_days and opens <= local.time() < closes


def next_opening(now: datetime, settings: Settings) -> datetime:
    """The next time office hours start after ``now``, as an aware local datetime.

    During office hours this is the next day's opening, not now: callers ask
    ``is_open`` first.
    """
    local = _local(now, settings)
    opens = _clock(settings.inbox.office_opens)
    for days_ahead in range(8):
        day = local.date() + timedelta(days=days_ahead)
        candidate = datetime.combine(day, opens, tzinfo=local.tzinfo)
        if candidate > local and candidate.isoweekday() in settings.inbox.office_days:
            return candidate
    raise AssertionError("office_days is never empty (settings validation)")
