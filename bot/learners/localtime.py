"""Time in a learner's own zone: slots, quiet hours, the WhatsApp window. Pure functions.

All moments are naive UTC datetimes, as the database stores them; each learner's
preferences (a time of day, days of the week, quiet hours) are local to the
learner's own time zone and converted with ``zoneinfo``, so a daily 19:00 stays
19:00 across a daylight-saving change. Nothing here reads the clock: every
function takes ``now`` (or ``after``) from its caller.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "America/Panama"
# Days of the week as stored on the learner, Monday first (``date.weekday()``).
EVERY_DAY = "1111111"
WHATSAPP_WINDOW = timedelta(hours=24)


class ScheduleError(ValueError):
    """A stored schedule value cannot be used (bad "HH:MM", day mask or time zone)."""


def parse_clock(text: str) -> time:
    """Read a local time of day written "HH:MM"."""
    hours, _, minutes = str(text).partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ScheduleError(f"not a time of day: {text!r} (expected HH:MM)")
    try:
        return time(int(hours), int(minutes))
    except ValueError as error:
        raise ScheduleError(f"not a time of day: {text!r}") from error


def parse_days(mask: str) -> frozenset[int]:
    """The weekdays (0 = Monday) a mask such as "1111100" allows."""
    if len(mask) != 7 or set(mask) - {"0", "1"} or "1" not in mask:
        raise ScheduleError(f"not a day mask: {mask!r} (seven 0/1, Monday first, one 1 at least)")
    return frozenset(day for day, flag in enumerate(mask) if flag == "1")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ScheduleError(f"unknown time zone: {name!r}") from error


def is_valid_timezone(name: str) -> bool:
    try:
        zone(name)
    except ScheduleError:
        return False
    return True


def to_local(moment: datetime, tz: str) -> datetime:
    """A naive UTC moment as an aware local datetime in ``tz``."""
    return moment.replace(tzinfo=UTC).astimezone(zone(tz))


def to_utc(local: datetime) -> datetime:
    """An aware datetime as the naive UTC the database stores."""
    return local.astimezone(UTC).replace(tzinfo=None)


def _at(day: date, clock: time, tz: str) -> datetime:
    # A clock time skipped by a DST change (02:30 on a spring-forward day)
    # resolves to the same distance past the change (03:30), as zoneinfo does.
    return to_utc(datetime.combine(day, clock, tzinfo=zone(tz)))


def _in_quiet(clock: time, start: time, end: time) -> bool:
    if start == end:
        return False  # no quiet hours
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end  # the quiet hours wrap midnight


def is_quiet(now: datetime, tz: str, quiet_start: str = "21:00", quiet_end: str = "07:00") -> bool:
    """True when ``now`` falls in the quiet hours of the learner's local day."""
    local = to_local(now, tz)
    return _in_quiet(local.time(), parse_clock(quiet_start), parse_clock(quiet_end))


def quiet_ends_at(
    now: datetime, tz: str, quiet_start: str = "21:00", quiet_end: str = "07:00"
) -> datetime:
    """The end of the quiet hours ``now`` falls in (``now`` itself when it is not quiet)."""
    start, end = parse_clock(quiet_start), parse_clock(quiet_end)
    local = to_local(now, tz)
    if not _in_quiet(local.time(), start, end):
        return now
    day = local.date()
    if start > end and local.time() >= start:
        day += timedelta(days=1)  # before midnight: the quiet hours end tomorrow
    return _at(day, end, tz)


def next_delivery_at(
    delivery_time: str,
    days_of_week: str,
    tz: str,
    after: datetime,
    quiet_start: str = "21:00",
    quiet_end: str = "07:00",
) -> datetime:
    """The learner's first slot strictly after ``after``, on an allowed day, out of quiet hours.

    A preferred time inside the quiet hours is taken as the end of the quiet
    hours (22:00 → 07:00). Days are the local days on which the lesson arrives.
    """
    clock = parse_clock(delivery_time)
    start, end = parse_clock(quiet_start), parse_clock(quiet_end)
    if _in_quiet(clock, start, end):
        clock = end
    days = parse_days(days_of_week)
    first_day = to_local(after, tz).date()
    for offset in range(8):  # today's slot may have passed: a week and a day covers all
        day = first_day + timedelta(days=offset)
        if day.weekday() in days:
            slot = _at(day, clock, tz)
            if slot > after:
                return slot
    raise AssertionError("a day mask with an allowed day always has a slot within 8 days")


def whatsapp_window_open(last_inbound_at: datetime | None, now: datetime) -> bool:
    """True while WhatsApp accepts free text: less than 24 h since the learner last wrote."""
    return last_inbound_at is not None and now - last_inbound_at < WHATSAPP_WINDOW


def lesson_allowed(last_lesson_at: datetime | None, at: datetime, tz: str) -> bool:
    """Once a day: a new lesson at ``at`` only on a later local day than the last one."""
    if last_lesson_at is None:
        return True
    return to_local(at, tz).date() > to_local(last_lesson_at, tz).date()
