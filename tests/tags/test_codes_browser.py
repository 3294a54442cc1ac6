"""The join codes and the users page in a real browser, at 1280 px and on a phone, es and en.

An admin makes a join code and opens its poster, then invites a person;
every page fits the screen, and the screenshots go to test-artifacts/.
"""

from __future__ import annotations

import pytest

from bot.services import services
from tests.browser import ARTIFACTS
from tests.directory.test_browser import log_in, open_page, overflow

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("language", ["es", "en"])
def test_an_admin_makes_a_code_prints_its_poster_and_invites(
    browser, app, live_server, width, language
):
    services(app).settings = services(app).settings.with_overrides(
        {"twilio.sms_number": "+50760001111", "twilio.whatsapp_number": "+50760002222"}
    )
    context, page = open_page(browser, live_server, width, language)
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        log_in(page, "admin")
        page.goto("/tags/codes/")
        page.fill("#code", "colon 24")  # a space: refused, next to the field
        page.fill("#tag", "site-colon")
        page.click("form.filters button[type=submit]")
        assert page.locator("#code-error").is_visible()
        page.fill("#code", "colon24")
        page.click("form.filters button[type=submit]")
        assert page.locator("#codes tbody th").first.inner_text() == "COLON24"
        assert overflow(page) <= 0
        page.screenshot(path=str(ARTIFACTS / f"codes-{language}-{width}.png"), full_page=True)

        page.goto("/tags/codes/COLON24")
        assert page.locator(".poster-code").inner_text() == "COLON24"
        assert page.locator(".poster-qr svg").count() == 1
        assert "wa.me/50760002222?text=COLON24" in page.content()
        assert overflow(page) <= 0
        page.screenshot(path=str(ARTIFACTS / f"poster-{language}-{width}.png"), full_page=True)

        page.goto("/staff/users/")
        page.fill("#invite-email", f"new-{language}-{width}@example.org")
        page.click("form.filters button[type=submit]")
        assert "/staff/invitation/" in page.locator(".invitation-link").inner_text()
        assert overflow(page) <= 0
        page.screenshot(path=str(ARTIFACTS / f"users-{language}-{width}.png"), full_page=True)
    finally:
        context.close()
