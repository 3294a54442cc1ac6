"""The app's one clock: naive UTC, as the database stores every moment.

Domain code never reads it: it takes ``now`` from the request, job or action
that called it, so tests pass any time they like.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

# The days a person may type into a date field (dashboard filters, broadcast
# segments and schedules): any real period, and far enough from the calendar's
# ends (years 1 and 9999) that the day after, or a time zone's offset, stays in it.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


def utc_now() -> datetime:
    """Now, as naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def typed_day(text: str) -> date:
    """The day of a date field (YYYY-MM-DD, from FIRST_DAY to LAST_DAY), else ``ValueError``."""
    text = text.strip()
    # fromisoformat also takes "20260301" and week dates; a date field sends YYYY-MM-DD.
    if len(text) != len("YYYY-MM-DD"):
        raise ValueError(f"not YYYY-MM-DD: {text!r}")
    day = date.fromisoformat(text)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{day} is not between {FIRST_DAY} and {LAST_DAY}")
    return day


def typed_moment_in_range(moment: datetime) -> bool:
    """Whether a typed date and time lies between FIRST_DAY and LAST_DAY."""
    return FIRST_DAY <= moment.date() <= LAST_DAY
