"""The coordinators' counts of conversations with staff: opened, time to answer, within hours."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.dashboard.filters import Filters
from bot.dashboard.handoffs import figures
from bot.db import make_engine, make_session_factory
from bot.inbox.models import Conversation, OpenedBy
from bot.models import Learner
from bot.settings import Settings
from bot.vocab import ChannelName
from tests.dashboard.pages import parse_page

EN = {"Accept-Language": "en"}
MONDAY = datetime(2025, 8, 11, 14, 0)  # 09:00 in Panama: office hours (Mon-Fri, 08:00-17:00)
PERIOD = "start=2025-08-01&end=2025-08-15"
PUBLIC_IDS = [f"Lhandoff{n:08d}" for n in range(12)]


def add(session, index: int, opened: datetime, answered: datetime | None, language: str) -> int:  # type: ignore[no-untyped-def]
    learner = Learner(
        channel=ChannelName.SMS, public_id=PUBLIC_IDS[index], language=language, created_at=opened
    )
    session.add(learner)
    session.flush()
    # In office hours: Monday to Friday, 13:00 to 22:00 UTC.
    local_hour = (opened.hour - 5) % 24
    row = Conversation(
        learner_id=learner.id,
        opened_by=OpenedBy.LEARNER,
        opened_at=opened,
        opened_in_office_hours=opened.isoweekday() <= 5 and 8 <= local_hour < 17,
        waiting_since=None if answered else opened,
        first_answered_at=answered,
        last_answered_at=answered,
    )
    session.add(row)
    session.flush()
    return row.id


@pytest.fixture
def seeded(settings: Settings) -> list[int]:
    engine = make_engine(settings.app.database_url)
    try:
        with make_session_factory(engine)() as session:
            ids = [
                # Five answered within 10 to 50 minutes on Monday morning (Spanish).
                *(
                    add(session, n, MONDAY, MONDAY + timedelta(minutes=10 * (n + 1)), "es")
                    for n in range(5)
                ),
                # Opened at 16:30 on Monday, answered on Tuesday: late (990 minutes).
                add(
                    session,
                    5,
                    MONDAY + timedelta(hours=7, minutes=30),
                    MONDAY + timedelta(days=1),
                    "fr",
                ),
                # Opened on Saturday, outside office hours; answered on Monday (2790 min).
                add(session, 6, datetime(2025, 8, 9, 15, 0), MONDAY - timedelta(minutes=30), "fr"),
                # Opened on Wednesday in office hours, never answered: counts as not in time.
                add(session, 7, datetime(2025, 8, 13, 15, 0), None, "fr"),
                # Before the period: not counted.
                add(session, 8, datetime(2025, 6, 2, 15, 0), datetime(2025, 6, 2, 15, 5), "es"),
            ]
            session.commit()
            return ids
    finally:
        engine.dispose()


def cards(client, query: str) -> tuple[dict[str, str], str]:  # type: ignore[no-untyped-def]
    response = client.get(f"/dashboard/conversations?{query}", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return parse_page(html)[1], html


def test_counts_median_and_share_within_office_hours(coordinator, seeded) -> None:
    shown, html = cards(coordinator, PERIOD)

    assert shown == {
        "Conversations opened": "8",
        "Median time to first answer": "40 min",  # of 10, 20, 30, 40, 50, 990, 2790
        "Answered within office hours": "71.4%",  # 5 of the 7 opened in office hours
    }
    assert "before office hours ended that day" in html
    for public_id in PUBLIC_IDS:
        assert public_id not in html
    assert f"/inbox/{seeded[0]}" not in html


def test_fewer_than_five_show_as_less_than_five_and_hide_median_and_share(
    coordinator, seeded
) -> None:
    shown, _html = cards(coordinator, f"{PERIOD}&language=fr")

    assert shown == {
        "Conversations opened": "<5",
        "Median time to first answer": "—",
        "Answered within office hours": "—",
    }


def test_a_long_wait_is_shown_in_hours(coordinator, seeded) -> None:
    shown, _html = cards(coordinator, "start=2025-08-01&end=2025-08-15&language=es")
    assert shown["Conversations opened"] == "5"
    assert shown["Median time to first answer"] == "30 min"
    shown, _html = cards(coordinator, "")  # everything: 9, median 40 min still
    assert shown["Conversations opened"] == "9"


def test_the_page_in_spanish(coordinator, seeded) -> None:
    response = coordinator.get(
        f"/dashboard/conversations?{PERIOD}", headers={"Accept-Language": "es"}
    )
    html = response.get_data(as_text=True)
    assert "Conversaciones con el equipo" in html
    assert "Conversaciones abiertas" in html


def test_a_conversation_still_inside_its_office_hours_is_not_counted_late_yet(
    settings: Settings,
) -> None:
    engine = make_engine(settings.app.database_url)
    try:
        with make_session_factory(engine)() as session:
            for n in range(5):
                add(session, n, MONDAY, MONDAY + timedelta(minutes=5), "es")
            add(session, 5, MONDAY + timedelta(minutes=30), None, "es")  # 09:30, no answer yet
            week = Filters(start=MONDAY.date(), end=MONDAY.date())
            at_ten = figures(session, week, settings, MONDAY + timedelta(hours=1))
            after_closing = figures(session, week, settings, MONDAY + timedelta(hours=9))
    finally:
        engine.dispose()

    assert at_ten.within_office_hours == 1.0  # 5 of 5: the sixth may still be answered in time
    assert after_closing.within_office_hours == 5 / 6  # office hours ended: it was not
    assert at_ten.opened == 6 and at_ten.median_minutes == 5
