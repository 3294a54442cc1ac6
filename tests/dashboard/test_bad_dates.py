"""A date filter that is not a date the dashboard can show: a 400 naming the field, never a 500."""

from __future__ import annotations

import pytest

VIEWS = (
    "/dashboard/",
    "/dashboard/funnel",
    "/dashboard/quiz",
    "/dashboard/delivery",
    "/dashboard/export/overview/by_language.csv",
    "/dashboard/export/progress.csv",
)
EN = {"Accept-Language": "en"}


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize(
    ("query", "label"),
    [
        # The day after 9999-12-31 does not exist: this was a 500 (OverflowError).
        pytest.param("end=9999-12-31", "To", id="end-of-the-calendar"),
        pytest.param("start=0001-01-01", "From", id="start-of-the-calendar"),
        pytest.param("start=2026-02-30", "From", id="no-such-day"),
        pytest.param("end=yesterday", "To", id="not-a-date"),
        pytest.param("start=20260301", "From", id="no-dashes"),
        pytest.param("start=2026-03-01&end=2150-01-01", "To", id="far-future-end"),
    ],
)
def test_a_bad_date_is_a_400_naming_the_field(coordinator, view, query, label):
    coordinator.get("/staff/language/en")
    response = coordinator.get(f"{view}?{query}")

    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert f"{label}: enter a date between 2000-01-01 and 2100-12-31" in text


def test_the_message_is_in_the_page_language(coordinator):
    coordinator.get("/staff/language/es")
    response = coordinator.get("/dashboard/quiz?end=9999-12-31")

    assert response.status_code == 400
    assert "Hasta: " in response.get_data(as_text=True)


def test_the_first_and_last_days_are_accepted(coordinator):
    response = coordinator.get("/dashboard/?start=2000-01-01&end=2100-12-31")
    assert response.status_code == 200
