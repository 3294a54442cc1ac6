"""Dates on the dashboard are days of the reporting time zone (America/Panama by default)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot import create_app
from bot.dashboard.filters import Filters
from bot.dashboard.timebuckets import sum_by_bucket, whole_hours
from bot.models import Learner
from bot.services import services
from bot.settings import SettingsError, load_settings
from tests.dashboard.conftest import PASSWORD, USERS
from tests.dashboard.pages import fixed_clock, log_in, parse_page

PANAMA = ZoneInfo("America/Panama")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
UTC = ZoneInfo("UTC")
EN = {"Accept-Language": "en"}
LATE_SIGNUP = datetime(2025, 6, 11, 3)


@pytest.mark.parametrize(
    ("case", "zone", "day", "since", "until"),
    [
        ("Panama, UTC-5 all year", PANAMA, date(2025, 6, 1), (6, 1, 5, 0), (6, 2, 5, 0)),
        ("UTC", UTC, date(2025, 6, 1), (6, 1, 0, 0), (6, 2, 0, 0)),
        ("the day clocks go forward", NEW_YORK, date(2025, 3, 9), (3, 9, 5, 0), (3, 10, 4, 0)),
        ("the day clocks go back", NEW_YORK, date(2025, 11, 2), (11, 2, 4, 0), (11, 3, 5, 0)),
        ("a half-hour offset", KOLKATA, date(2025, 6, 1), (5, 31, 18, 30), (6, 1, 18, 30)),
    ],
)
def test_a_days_bounds_are_local_midnights_in_utc(case, zone, day, since, until):
    filters = Filters(start=day, end=day, zone=zone)
    assert filters.since() == datetime(2025, *since), case
    assert filters.until() == datetime(2025, *until), case


@pytest.mark.parametrize(
    ("case", "slot", "zone", "unit", "bucket"),
    [
        ("22:00 in Panama is still the day before", "2025-06-02 03", PANAMA, "day", "2025-06-01"),
        ("midnight in Panama", "2025-06-02 05", PANAMA, "day", "2025-06-02"),
        ("PostgreSQL gives datetimes", datetime(2025, 6, 2, 3), PANAMA, "day", "2025-06-01"),
        ("Sunday night belongs to the week before", "2025-06-02 04", PANAMA, "week", "2025-05-26"),
        ("the last evening of June", "2025-07-01 04", PANAMA, "month", "2025-06-01"),
        ("UTC as stored", "2025-07-01 04", UTC, "month", "2025-07-01"),
        ("winter time, UTC-5", "2025-03-09 04", NEW_YORK, "day", "2025-03-08"),
        ("summer time, UTC-4", "2025-11-02 04", NEW_YORK, "day", "2025-11-02"),
        ("per minute: 23:59 in India", "2025-05-31 18:29", KOLKATA, "day", "2025-05-31"),
        ("per minute: midnight in India", "2025-05-31 18:30", KOLKATA, "day", "2025-06-01"),
    ],
)
def test_hours_are_filed_under_local_buckets(case, slot, zone, unit, bucket):
    assert sum_by_bucket([(slot, 3, 1)], unit, zone) == {bucket: [3, 1]}, case


def test_zones_with_offsets_in_minutes_are_counted_per_minute():
    assert whole_hours(PANAMA) and whole_hours(NEW_YORK) and whole_hours(UTC)
    assert not whole_hours(KOLKATA)
    assert not whole_hours(ZoneInfo("Asia/Kathmandu"))


def test_the_setting_defaults_to_panama_and_refuses_unknown_zones(monkeypatch):
    assert load_settings().dashboard.timezone == "America/Panama"
    monkeypatch.setenv("LESSONBOT_DASHBOARD_TIMEZONE", "America/Bogota")
    assert load_settings().reporting_zone == ZoneInfo("America/Bogota")
    monkeypatch.setenv("LESSONBOT_DASHBOARD_TIMEZONE", "Panama/Nowhere")
    with pytest.raises(SettingsError, match=r"dashboard\.timezone"):
        load_settings()


def _late_signup(db_session) -> None:
    """A learner who signed up on June 10 at 22:00 in Panama: June 11, 03:00 UTC."""
    db_session.add(
        Learner(
            public_id="Llate", channel="sms", language="es", created_at=datetime(2025, 6, 11, 3)
        )
    )
    db_session.commit()


def _coordinator_on(app):  # type: ignore[no-untyped-def]
    client = app.test_client()
    assert log_in(client, USERS["coordinator"], PASSWORD).status_code == 302
    return client


def test_the_date_filter_and_the_chart_use_panama_days(coordinator, db_session):
    _late_signup(db_session)
    response = coordinator.get("/dashboard/?start=2025-06-10&end=2025-06-10", headers=EN)
    tables, cards = parse_page(response.get_data(as_text=True))
    # Learners 90-99, and the late one, who is not enrolled: 11, but split into
    # groups of fewer than 5 (WhatsApp, Spanish, Creole) the 11 is withheld ("x").
    assert cards["Learners"] == "x"
    courses = {row[0]: row[1] for row in tables["by_course"][1:]}
    assert courses == {"Not enrolled": "<5", "Digital safety": "10",
                       "Start your business step by step": "10"}  # fmt: skip
    assert [row[0] for row in tables["over_time"][1:]] == ["2025-06-10"]
    assert "America/Panama" in response.get_data(as_text=True)


def test_in_utc_the_same_learner_counts_on_the_next_day(settings, db_session, catalog):
    _late_signup(db_session)
    utc_app = create_app(settings=settings.with_overrides({"dashboard.timezone": "UTC"}))
    services(utc_app).clock = fixed_clock
    services(utc_app).lessons = catalog
    client = _coordinator_on(utc_app)
    response = client.get("/dashboard/?start=2025-06-10&end=2025-06-10", headers=EN)
    _tables, cards = parse_page(response.get_data(as_text=True))
    assert cards["Learners"] == "10"


def test_the_default_period_ends_on_panamas_today(app, client):
    # 02:00 UTC on August 16 is still August 15 in Panama (14 hours after the
    # fixtures' clock: a session from then has expired, so log in now).
    services(app).clock = lambda: datetime(2025, 8, 16, 2)
    assert log_in(client, USERS["coordinator"], PASSWORD).status_code == 302
    response = client.get("/dashboard/delivery", headers=EN)
    tables, _cards = parse_page(response.get_data(as_text=True))
    days = [row[0] for row in tables["over_time"][1:]]
    assert (days[0], days[-1], len(days)) == ("2025-07-17", "2025-08-15", 30)
