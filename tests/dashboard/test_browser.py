"""The dashboard in a real browser (Debian's chromium through Playwright), on a real server.

A coordinator logs in, opens each view, filters, downloads a CSV; the
overview's screenshot is kept in test-artifacts/ for people to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import ARTIFACTS
from tests.dashboard.conftest import PASSWORD, USERS
from tests.dashboard.pages import parse_csv

pytestmark = pytest.mark.browser


def open_page(browser, base_url: str, width: int = 1280):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=base_url,
        locale="en-US",
        viewport={"width": width, "height": 900},
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    return context, context.new_page()


def log_in(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/dashboard/")  # sends an anonymous visitor to the log-in page
    page.fill("#email", USERS["coordinator"])
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/dashboard/")


def test_a_coordinator_logs_in_views_filters_and_downloads(browser, live_server):
    context, page = open_page(browser, live_server)
    try:
        log_in(page)
        assert page.locator(".card .value").first.inner_text() == "100"
        title = page.locator("#by_language svg title").text_content()
        assert title == "Learners who signed up in the period, by language"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-overview.png"), full_page=True)

        for tab, heading in (
            ("Completion funnel", "Completion funnel"),
            ("Quiz items", "Quiz items"),
            ("Delivery health", "Delivery health"),
            ("Overview", "Overview"),
        ):
            page.click(f"nav.tabs >> text={tab}")
            assert page.locator("h1").inner_text() == heading

        page.select_option("#f-tag", "site-colon")
        page.click("form.filters button[type=submit]")
        page.wait_for_url("**/dashboard/?*tag=site-colon*")
        assert page.locator(".card .value").first.inner_text() == "40"

        with page.expect_download() as download_info:
            page.click("#by_channel a.csv")
        rows = parse_csv(Path(download_info.value.path()).read_bytes())
        assert rows[0][:2] == ["Channel", "Learners"]
        assert rows[1][:2] == ["SMS", "28"]  # learners 0-39 on SMS (i % 10 < 7)
    finally:
        context.close()


def test_the_views_fit_a_phone_screen(browser, live_server):
    context, page = open_page(browser, live_server, width=375)
    try:
        log_in(page)
        for path in ("/dashboard/", "/dashboard/funnel", "/dashboard/quiz", "/dashboard/delivery"):
            page.goto(path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (path, overflow)
        page.goto("/dashboard/")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard-overview-phone.png"), full_page=True)
    finally:
        context.close()


def _shares(page) -> list[str]:  # type: ignore[no-untyped-def]
    """The "Share right" column of the questions table, top to bottom (its data-sort values)."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll("#questions tbody tr")]
                .map(row => row.cells[4].dataset.sort)"""
        )
    )


def _numbers(values: list[str]) -> list[float]:
    return [float(value) for value in values if value]


def test_the_quiz_table_fits_starts_with_the_hardest_and_sorts(browser, live_server):
    context, page = open_page(browser, live_server, width=1280)
    try:
        log_in(page)
        for path in ("/dashboard/", "/dashboard/funnel", "/dashboard/delivery", "/dashboard/quiz"):
            page.goto(path)
            wider = page.evaluate(
                "[...document.querySelectorAll('.table-wrap')]"
                ".map(box => box.scrollWidth - box.clientWidth)"
            )
            assert all(extra <= 0 for extra in wider), (path, wider)  # no column cut at 1280 px
        assert len(_shares(page)) > 10  # the quiz page, every question in the table
        shares = _shares(page)
        assert _numbers(shares) == sorted(_numbers(shares))  # hardest first, as served
        assert shares[-1] == "" or "" not in shares  # hidden shares after the figures
        bars = page.locator("#questions .chart rect.bar").count()
        assert 0 < bars <= 10

        share_title = page.locator("#questions thead button.sort").nth(4)
        share_title.click()  # ascending
        share_title.click()  # descending
        assert page.locator("#questions thead th").nth(4).get_attribute("aria-sort") == (
            "descending"
        )
        descending = _shares(page)
        assert _numbers(descending) == sorted(_numbers(descending), reverse=True)
        hidden = [index for index, value in enumerate(descending) if value == ""]
        assert hidden == list(range(len(descending) - len(hidden), len(descending)))

        page.locator("#questions thead button.sort").nth(0).click()  # by lesson, as text
        lessons = page.locator("#questions tbody th").all_inner_texts()
        assert lessons == sorted(lessons, key=str.casefold) or len(set(lessons)) == 1
    finally:
        context.close()
