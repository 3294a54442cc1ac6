"""When lessons are due: tables of (case, now, time zone, expected), ``now`` injected.

All moments are naive UTC, as stored. 2025-03-03 is a Monday; Panama is UTC-5
all year; New York moves to daylight time on 2025-03-09 and back on 2025-11-02.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.learners.localtime import (
    ScheduleError,
    is_quiet,
    lesson_allowed,
    next_delivery_at,
    parse_clock,
    parse_days,
    quiet_ends_at,
    whatsapp_window_open,
    zone,
)
from bot.learners.schedule import record_lesson_sent, release_waiting_lesson, schedule_next_lesson
from bot.learners.zones import timezone_for_number
from bot.models import Learner
from bot.settings import Settings
from bot.vocab import LearnerStatus

PA = "America/Panama"
BOG = "America/Bogota"
CCS = "America/Caracas"
NYC = "America/New_York"
ALL = "1111111"
WKD = "1111100"  # Monday to Friday
SUN = "0000001"


def utc(text: str) -> datetime:
    """A naive UTC moment; "03-04 00:00" is in 2025."""
    return datetime.fromisoformat(text if text.startswith("20") else "2025-" + text)


# case, delivery time, days, time zone, after (UTC), expected (UTC)
NEXT_DELIVERY = [
    ("Panama 19:00, later today", "19:00", ALL, PA, "03-03 12:00", "03-04 00:00"),
    ("strictly after: the slot itself moves on", "19:00", ALL, PA, "03-04 00:00", "03-05 00:00"),
    ("one minute before the slot", "19:00", ALL, PA, "03-03 23:59", "03-04 00:00"),
    ("Panama 08:00 just passed: tomorrow", "08:00", ALL, PA, "03-03 13:00", "03-04 13:00"),
    ("Bogota has Panama's offset", "19:00", ALL, BOG, "03-03 12:00", "03-04 00:00"),
    ("Caracas is an hour ahead", "19:00", ALL, CCS, "03-03 12:00", "03-03 23:00"),
    ("New York before spring forward (EST)", "19:00", ALL, NYC, "03-08 12:00", "03-09 00:00"),
    ("New York on the spring-forward day (EDT)", "19:00", ALL, NYC, "03-09 00:00", "03-09 23:00"),
    ("New York morning across spring forward", "08:00", ALL, NYC, "03-08 14:00", "03-09 12:00"),
    ("New York on the fall-back day (EST)", "19:00", ALL, NYC, "11-02 00:00", "11-03 00:00"),
    ("preferred 22:00 is quiet: moves to 07:00", "22:00", ALL, PA, "03-03 05:00", "03-03 12:00"),
    ("preferred 21:00 is quiet: 07:00", "21:00", ALL, PA, "03-03 05:00", "03-03 12:00"),
    ("preferred 06:59 is quiet: 07:00", "06:59", ALL, PA, "03-03 05:00", "03-03 12:00"),
    ("preferred 20:59 is not quiet", "20:59", ALL, PA, "03-03 05:00", "03-04 01:59"),
    ("preferred 07:00 is not quiet", "07:00", ALL, PA, "03-03 05:00", "03-03 12:00"),
    ("weekdays: Friday evening is allowed", "19:00", WKD, PA, "03-07 12:00", "03-08 00:00"),
    ("weekdays: after Friday comes Monday", "19:00", WKD, PA, "03-08 00:00", "03-11 00:00"),
    ("weekdays: on Saturday, Monday", "08:00", WKD, PA, "03-08 15:00", "03-10 13:00"),
    ("Sundays only: a week later", "19:00", SUN, PA, "03-10 00:00", "03-17 00:00"),
    ("days are local: Sunday 19:00 is Monday UTC", "19:00", SUN, PA, "03-03 12:00", "03-10 00:00"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("delivery", "days", "tz", "after", "expected"),
    [case[1:] for case in NEXT_DELIVERY],
    ids=[case[0] for case in NEXT_DELIVERY],
)
def test_next_delivery_at(delivery: str, days: str, tz: str, after: str, expected: str) -> None:
    assert next_delivery_at(delivery, days, tz, utc(after)) == utc(expected)


def test_next_delivery_in_a_dst_gap_moves_past_the_change() -> None:
    # No quiet hours: 02:30 does not exist in New York on 2025-03-09; it is 03:30 EDT.
    slot = next_delivery_at("02:30", ALL, NYC, utc("03-09 05:00"), "00:00", "00:00")
    assert slot == utc("03-09 07:30")


def test_next_delivery_with_other_quiet_hours() -> None:
    slot = next_delivery_at("22:30", ALL, PA, utc("03-03 12:00"), "23:00", "06:00")
    assert slot == utc("03-04 03:30")


# case, now (UTC), time zone, quiet start, quiet end, expected
QUIET = [
    ("Panama 20:59 is not quiet", "03-04 01:59", PA, "21:00", "07:00", False),
    ("Panama 21:00 is quiet", "03-04 02:00", PA, "21:00", "07:00", True),
    ("Panama midnight is quiet", "03-04 05:00", PA, "21:00", "07:00", True),
    ("Panama 06:59 is quiet", "03-04 11:59", PA, "21:00", "07:00", True),
    ("Panama 07:00 is not quiet", "03-04 12:00", PA, "21:00", "07:00", False),
    ("Panama noon is not quiet", "03-04 17:00", PA, "21:00", "07:00", False),
    ("Caracas 21:00 while Panama is at 20:00", "03-04 01:00", CCS, "21:00", "07:00", True),
    ("New York 20:59 EDT", "03-10 00:59", NYC, "21:00", "07:00", False),
    ("New York 21:00 EDT", "03-10 01:00", NYC, "21:00", "07:00", True),
    ("quiet hours within a day", "03-04 19:00", PA, "13:00", "15:00", True),
    ("their end is not quiet", "03-04 20:00", PA, "13:00", "15:00", False),
    ("equal start and end: never quiet", "03-04 05:00", PA, "00:00", "00:00", False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("now", "tz", "start", "end", "expected"),
    [case[1:] for case in QUIET],
    ids=[case[0] for case in QUIET],
)
def test_is_quiet(now: str, tz: str, start: str, end: str, expected: bool) -> None:
    assert is_quiet(utc(now), tz, start, end) is expected


# case, now (UTC), time zone, expected end of the quiet hours (UTC)
QUIET_ENDS = [
    ("22:00 Monday: 07:00 Tuesday", "03-04 03:00", PA, "03-04 12:00"),
    ("21:00 Monday: 07:00 Tuesday", "03-04 02:00", PA, "03-04 12:00"),
    ("03:00 Tuesday: 07:00 Tuesday", "03-04 08:00", PA, "03-04 12:00"),
    ("06:59 Tuesday: one minute", "03-04 11:59", PA, "03-04 12:00"),
    ("not quiet: now", "03-04 17:00", PA, "03-04 17:00"),
    ("New York night of spring forward", "03-09 03:00", NYC, "03-09 11:00"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("now", "tz", "expected"), [c[1:] for c in QUIET_ENDS], ids=[c[0] for c in QUIET_ENDS]
)
def test_quiet_ends_at(now: str, tz: str, expected: str) -> None:
    assert quiet_ends_at(utc(now), tz) == utc(expected)


NOW = utc("03-04 17:00")

# case, time since the learner last wrote (None: never), window open
WINDOW = [
    ("just now", timedelta(0), True),
    ("23 h 59 m ago", timedelta(hours=23, minutes=59), True),
    ("exactly 24 h ago", timedelta(hours=24), False),
    ("24 h 01 m ago", timedelta(hours=24, minutes=1), False),
    ("never wrote", None, False),
]


@pytest.mark.parametrize(("since", "expected"), [c[1:] for c in WINDOW], ids=[c[0] for c in WINDOW])
def test_whatsapp_window(since: timedelta | None, expected: bool) -> None:
    last_inbound = None if since is None else NOW - since
    assert whatsapp_window_open(last_inbound, NOW) is expected


# case, last lesson (UTC), candidate (UTC), time zone, allowed
ONCE_A_DAY = [
    ("no lesson yet", None, "03-04 00:00", PA, True),
    ("08:00 and 19:00 the same day", "03-03 13:00", "03-04 00:00", PA, False),
    ("19:00 then 19:00 the next day", "03-04 00:00", "03-05 00:00", PA, True),
    ("23:30 then 07:00: another local day", "03-04 04:30", "03-04 12:00", PA, True),
    ("same UTC day, different local days", "03-04 03:00", "03-04 20:00", NYC, True),
    ("different UTC days, same local day", "03-03 13:00", "03-04 01:00", PA, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("last", "at", "tz", "expected"), [c[1:] for c in ONCE_A_DAY], ids=[c[0] for c in ONCE_A_DAY]
)
def test_once_a_day(last: str | None, at: str, tz: str, expected: bool) -> None:
    assert lesson_allowed(None if last is None else utc(last), utc(at), tz) is expected


# case, number, time zone
NUMBERS = [
    ("Panama", "+50761234567", PA),
    ("Colombia", "+573001234567", BOG),
    ("Venezuela", "+584121234567", CCS),
    ("Haiti", "+50934567890", "America/Port-au-Prince"),
    ("Ecuador keeps the Galápagos an hour behind: default", "+593991234567", PA),
    ("Argentina, one time in all its zones", "+5491123456789", "America/Argentina/Buenos_Aires"),
    ("Peru", "+51987654321", "America/Lima"),
    ("Italy", "+393123456789", "Europe/Rome"),
    ("Spain has the Canaries an hour behind: default", "+34612345678", PA),
    ("Costa Rica", "+50688887777", "America/Costa_Rica"),
    ("Dominican Republic (+1 809)", "+18095551234", "America/Santo_Domingo"),
    ("+1 is ambiguous: default", "+12125551234", PA),
    ("Brazil has several zones: default", "+5511987654321", PA),
    ("Mexico has several zones: default", "+525512345678", PA),
    ("China keeps two times: default", "+8613812345678", PA),
    ("not a number", "+0", PA),
    ("WhatsApp address", "whatsapp:+573001234567", BOG),
]  # fmt: skip


@pytest.mark.parametrize(
    ("number", "expected"), [c[1:] for c in NUMBERS], ids=[c[0] for c in NUMBERS]
)
def test_timezone_for_number(number: str, expected: str) -> None:
    assert timezone_for_number(number) == expected


def test_timezone_for_number_keeps_the_given_default() -> None:
    assert timezone_for_number("+12125551234", default="America/Bogota") == "America/Bogota"


def learner(**fields: object) -> Learner:
    values: dict[str, object] = {
        "channel": "sms",
        "status": LearnerStatus.ACTIVE,
        "delivery_time": "19:00",
        "timezone": PA,
        "course_key": "entrepreneurship",
    }
    values.update(fields)
    return Learner(**values)


MON = utc("03-03 15:00")  # Monday 10:00 in Panama
FRI = utc("03-07 15:00")  # Friday 10:00

# case, now (UTC), learner fields, expected next_lesson_at (UTC) or None
SCHEDULES = [
    ("new learner: tonight", MON, {}, "03-04 00:00"),
    ("had today's lesson: tomorrow", MON, {"last_lesson_at": utc("03-03 13:00")}, "03-05 00:00"),
    ("yesterday's lesson: tonight", MON, {"last_lesson_at": utc("03-03 00:00")}, "03-04 00:00"),
    ("another zone: Caracas", MON, {"timezone": CCS}, "03-03 23:00"),
    ("weekdays, Friday's lesson done", FRI,
     {"delivery_days": WKD, "last_lesson_at": utc("03-07 13:00")}, "03-11 00:00"),
    ("paused for 3 days", MON, {"paused_until": utc("03-06 15:00")}, "03-07 00:00"),
    ("pause over already", MON, {"paused_until": utc("03-01 15:00")}, "03-04 00:00"),
    ("paused with no end", MON, {"status": LearnerStatus.PAUSED}, None),
    ("opted out", MON, {"status": LearnerStatus.OPTED_OUT}, None),
    ("still onboarding", MON, {"status": LearnerStatus.NEW}, None),
    ("no time chosen", MON, {"delivery_time": None}, None),
    ("no course", MON, {"course_key": None}, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("now", "fields", "expected"), [c[1:] for c in SCHEDULES], ids=[c[0] for c in SCHEDULES]
)
def test_schedule_next_lesson(
    now: datetime, fields: dict[str, object], expected: str | None
) -> None:
    subject = learner(next_lesson_at=utc("01-01 00:00"), **fields)
    result = schedule_next_lesson(subject, now, Settings())
    assert result == (None if expected is None else utc(expected))
    assert subject.next_lesson_at == result


def test_quiet_hours_come_from_settings() -> None:
    subject = learner(delivery_time="22:30")
    settings = Settings(schedule={"quiet_start": "23:00", "quiet_end": "06:00"})
    assert schedule_next_lesson(subject, MON, settings) == utc("03-04 03:30")


def test_a_lesson_sent_counts_for_today() -> None:
    subject = learner(lesson_waiting_since=utc("03-02 15:00"))
    record_lesson_sent(subject, MON, Settings())
    assert subject.last_lesson_at == MON
    assert subject.lesson_waiting_since is None
    assert subject.next_lesson_at == utc("03-05 00:00")  # not tonight: tomorrow


def test_a_reply_releases_the_waiting_lesson() -> None:
    waiting = learner(lesson_waiting_since=utc("03-02 15:00"), next_lesson_at=None)
    assert release_waiting_lesson(waiting, MON) is True
    assert (waiting.next_lesson_at, waiting.lesson_waiting_since) == (MON, None)

    scheduled = learner(next_lesson_at=utc("03-04 00:00"))
    assert release_waiting_lesson(scheduled, MON) is False
    assert scheduled.next_lesson_at == utc("03-04 00:00")


@pytest.mark.parametrize("text", ["25:00", "7pm", "", "19:5", "19:60", "-1:00"])
def test_bad_clock(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_clock(text)


@pytest.mark.parametrize("mask", ["111", "0000000", "11111x1", "11111111"])
def test_bad_day_mask(mask: str) -> None:
    with pytest.raises(ScheduleError):
        parse_days(mask)


def test_bad_zone() -> None:
    with pytest.raises(ScheduleError):
        zone("Mars/Olympus_Mons")
