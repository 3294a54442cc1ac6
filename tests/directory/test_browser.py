"""The learner directory in a real browser, and axe-core on every staff page.

A staff member finds the learners of a tag, opens one and pauses them, at
1280 px and on a 390 px phone, in Spanish and English; the screenshots go
to test-artifacts/ for people to look at. Every staff and coordinator page
is then checked by axe-core (from npm): no serious or critical finding.
"""

from __future__ import annotations

import pytest

from tests.browser import ARTIFACTS, accessibility_violations
from tests.dashboard.conftest import PASSWORD, USERS

pytestmark = pytest.mark.browser

LOCALES = {"es": "es-PA", "en": "en-US"}


def open_page(browser, base_url: str, width: int, language: str, **options):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=base_url,
        locale=LOCALES[language],
        viewport={"width": width, "height": 900},
        **options,
    )
    context.set_default_timeout(15_000)
    return context, context.new_page()


def log_in(page, role: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/staff/login")
    page.fill("#email", USERS[role])
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def overflow(page) -> int:  # type: ignore[no-untyped-def]
    """How far the page is wider than the screen; the widest elements are printed."""
    wider = page.evaluate(
        """() => [...document.querySelectorAll("body *")]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth)
            .slice(0, 5).map(e => e.tagName + "." + e.className + "#" + e.id)"""
    )
    print("wider than the screen:", wider)
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("language", ["es", "en"])
def test_staff_find_the_learners_of_a_tag_and_pause_one(browser, live_server, width, language):
    context, page = open_page(browser, live_server, width, language)
    try:
        log_in(page, "staff")
        page.goto("/learners/")
        page.fill("#tag", "site-david")
        page.select_option("#status", "active")
        page.click("form.filters button[type=submit]")
        rows = page.locator("table.learners tbody tr")
        assert rows.count() == 3
        assert overflow(page) <= 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"learners-{language}-{width}.png"), full_page=True)

        page.click("text=Lseed0041")
        assert page.locator("h1").inner_text().endswith("Lseed0041")
        page.click("form[action$='/pause'] button")
        notice = page.locator("p.notice").inner_text()
        assert notice.startswith("En pausa" if language == "es" else "Paused")
        assert overflow(page) <= 0
        page.screenshot(path=str(ARTIFACTS / f"learner-{language}-{width}.png"), full_page=True)
    finally:
        context.close()


def test_a_number_search_shows_the_learner_without_the_number(browser, live_server):
    context, page = open_page(browser, live_server, 390, "en")
    try:
        log_in(page, "staff")
        page.goto("/learners/")
        page.fill("#q", "hola")
        page.click("form.filters button[type=submit]")
        assert page.locator("#q-error").inner_text().startswith("Type a learner id")
        assert page.locator("#q").get_attribute("aria-invalid") == "true"
    finally:
        context.close()


STAFF_PAGES = [
    "/dashboard/",
    "/dashboard/delivery",
    "/dashboard/funnel",
    "/dashboard/quiz",
    "/dashboard/conversations",
    "/broadcasts/",
    "/broadcasts/new",
    "/tags/",
    "/tags/codes/",
    "/inbox/",
    "/staff/users/",
    "/staff/password",
    "/learners/",
    "/learners/Lseed0001",
    "/learners/Lseed0001/erase",
]


def _records(app) -> list[str]:  # type: ignore[no-untyped-def]
    """A broadcast draft and an inbox conversation, for the pages that show one record."""
    from sqlalchemy import select

    from bot.db import session_scope
    from bot.inbox.conversations import open_for_learner
    from bot.inbox.models import OpenedBy
    from bot.models import Learner
    from bot.services import services
    from bot.staff import now
    from tests.broadcasts.builders import make_broadcast

    with app.app_context(), session_scope(services().sessions) as session:
        broadcast = make_broadcast(session, title="Feria")
        learner = session.scalar(select(Learner).where(Learner.public_id == "Lseed0002"))
        assert learner is not None
        opened = open_for_learner(session, learner.id, OpenedBy.LEARNER, now(), services().settings)
        session.flush()
        return [f"/broadcasts/{broadcast.id}", f"/inbox/{opened.conversation.id}"]


@pytest.mark.parametrize("width", [1280, 390])
def test_no_staff_page_has_a_serious_accessibility_barrier(browser, app, live_server, width):
    # The pages' CSP forbids inline scripts (rightly): axe's script is let in for the check only.
    context, page = open_page(browser, live_server, width, "es", bypass_csp=True)
    found: dict[str, list[str]] = {}
    try:
        page.goto("/staff/login")
        found["/staff/login"] = accessibility_violations(page)
        log_in(page, "admin")
        for path in [*STAFF_PAGES, *_records(app)]:
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            found[path] = accessibility_violations(page)
    finally:
        context.close()
    assert {path: problems for path, problems in found.items() if problems} == {}
