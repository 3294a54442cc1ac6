"""Small counts never leave as numbers; learner rows carry no number, name or text."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.cli import main
from bot.dashboard.privacy import SUPPRESSED, protect, share
from tests.dashboard.pages import page_figures, parse_csv
from tests.dashboard.seed import PROFILE_NAME, SECRET_BODY, public_id

EN = {"Accept-Language": "en"}


def test_counts_below_five_are_suppressed():
    assert [protect(n) for n in (0, 1, 4, 5, 6)] == [SUPPRESSED] * 3 + [5, 6]
    assert str(SUPPRESSED) == "<5"
    assert share(60, 100) == 0.6
    assert share(3, 100) is None  # would give away a count of 3
    assert share(4, 4) is None


def test_a_small_cohort_shows_no_figure_at_all(coordinator):
    # Tag "site-david": three learners. Counts of their messages and answers are
    # above 5, but they would still describe those three people.
    for path in ("/dashboard/", "/dashboard/funnel", "/dashboard/quiz", "/dashboard/delivery"):
        query = "?tag=site-david&start=2025-06-01&end=2025-08-15"
        html = coordinator.get(path + query, headers=EN).get_data(as_text=True)
        figures = page_figures(html)
        assert len(figures) > 10
        assert set(figures) <= {"<5", "—"}, (path, set(figures))
    csv_rows = parse_csv(
        coordinator.get(
            "/dashboard/export/delivery/by_channel.csv?tag=site-david&start=2025-06-01"
        ).data
    )
    assert {cell for row in csv_rows[1:] for cell in row[1:]} <= {"<5", ""}


def test_the_learner_progress_export_is_pseudonymous(coordinator):
    response = coordinator.get("/dashboard/export/progress.csv", headers=EN)
    assert response.status_code == 200
    text = response.data.decode("utf-8-sig")
    assert SECRET_BODY not in text and PROFILE_NAME not in text
    assert "encrypted-number" not in text and "hash" not in text
    rows = parse_csv(response.data)
    assert rows[0] == [
        "Learner (pseudonymous id)",
        "Language",
        "Channel",
        "Status",
        "Signed up on",
        "Course",
        "Enrolled on",
        "Completed on",
        "Lessons sent",
        "Lessons delivered",
        "Questions answered",
        "Right on the first try",
        "Last message from the learner",
    ]
    assert len(rows) == 1 + 100 + 20  # every enrolment: 100 in course X, 20 in the other
    by_key = {(row[0], row[5]): row for row in rows[1:]}
    # Learner 0: all 12 lessons delivered, 24 questions right; completed on June 16.
    assert by_key[(public_id(0), "entrepreneurship")] == [
        public_id(0), "es", "sms", "active", "2025-06-01", "entrepreneurship",
        "2025-06-01", "2025-06-16", "12", "12", "24", "24", "2025-08-13",
    ]  # fmt: skip
    # Learner 99 (WhatsApp, opted out): lesson 1 failed (63016), q2 never answered.
    assert by_key[(public_id(99), "entrepreneurship")][8:12] == ["1", "0", "1", "0"]
    assert by_key[(public_id(99), "digital_safety")][8:12] == ["0", "0", "0", "0"]


def test_the_progress_export_takes_the_filters(coordinator):
    rows = parse_csv(coordinator.get("/dashboard/export/progress.csv?course=digital_safety").data)
    assert {row[5] for row in rows[1:]} == {"digital_safety"} and len(rows) == 21
    rows = parse_csv(coordinator.get("/dashboard/export/progress.csv?tag=site-colon").data)
    assert len(rows) > 6 and all(row[0].startswith("L") for row in rows[1:])


def test_the_progress_export_refuses_a_cohort_under_five(coordinator, db_session):
    # Tag "site-david": learners 40, 41 and 42 only.
    response = coordinator.get("/dashboard/export/progress.csv?tag=site-david", headers=EN)
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "fewer than 5 learners" in text and "Widen the filters" in text
    assert public_id(40) not in text


def test_stats_prints_the_overview_with_small_counts_suppressed(settings, monkeypatch):
    monkeypatch.setenv("LESSONBOT_DATABASE_URL", settings.app.database_url)
    result = CliRunner().invoke(main, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    # The terminal has no fixed clock: only figures that do not depend on "now".
    totals = stats["totals"]
    assert (totals["learners"], totals["enrolled"], totals["completed"]) == (100, 100, 37)
    assert totals["left"] == 6
    languages = {row["language"]: row for row in stats["by_language"]}
    # As on the overview: 37 of 37 would tell that the others' "<5" are 0.
    assert languages["ht"]["learners"] == "<5" and languages["es"]["completed"] == "x"
    assert languages["fr"]["learners"] == "x"  # 100 - 30 - 60 - 7 = Creole's 3
    assert {row["course"]: row["learners"] for row in stats["by_course"]} == {
        "digital_safety": 20,
        "entrepreneurship": 100,
    }
    table = CliRunner().invoke(main, ["stats"])
    assert table.exit_code == 0 and "By language" in table.output and "<5" in table.output
