"""The tags page in a real browser: a staff member tags two learners, on a phone screen."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import PASSWORD, USERS
from tests.dashboard.test_browser import open_page

pytestmark = pytest.mark.browser


def test_a_staff_member_tags_learners_on_a_phone(browser, live_server):
    context, page = open_page(browser, live_server, width=375)
    try:
        page.goto("/tags/")
        page.fill("#email", USERS["staff"])
        page.fill("#password", PASSWORD)
        page.click("form button[type=submit]")
        page.goto("/tags/")
        page.fill("#tag", "cohort-phone")
        page.fill("#learners", "Lseed0001\nLseed0002\n+50761234567")
        page.click("form.tag-form button[type=submit]")
        assert page.locator("#result-title").inner_text() == "Tag cohort-phone added"
        assert "cohort-phone" in page.locator("#tags").inner_text()
        assert "61234567" not in page.content()
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
    finally:
        context.close()
