"""A 404 in a real browser (Debian's chromium), in Spanish, on a desk and on a phone:
the menu is there, nothing overflows, and Tab reaches the skip link first."""

from __future__ import annotations

import pytest

from tests.browser import ARTIFACTS
from tests.dashboard.conftest import PASSWORD, USERS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_a_404_in_spanish_has_the_menu_and_the_skip_link_first(browser, live_server, width):
    context = browser.new_context(
        base_url=live_server, locale="es-PA", viewport={"width": width, "height": 800}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto("/tags/")  # sends the visitor to log in
        page.fill("#email", USERS["staff"])
        page.fill("#password", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url("**/tags/")

        response = page.goto("/staff/no-existe")
        assert response is not None and response.status == 404
        assert page.locator("h1").inner_text() == "Página no encontrada"
        menu = page.get_by_role("navigation", name="Menú principal")
        assert menu.get_by_role("link", name="Etiquetas de participantes").is_visible()
        assert page.locator("html").get_attribute("lang") == "es"
        skip = page.locator("a.skip-link")
        assert not skip.is_visible() or skip.bounding_box()["y"] < 0  # hidden until focused

        page.keyboard.press("Tab")
        focused = page.evaluate(
            "[document.activeElement.className, document.activeElement.textContent]"
        )
        assert focused == ["skip-link", "Saltar al contenido"]
        box = skip.bounding_box()
        assert box is not None and box["y"] >= 0 and box["x"] >= 0  # shown when focused
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"error-404-es-{width}.png"), full_page=True)

        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "content"
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
    finally:
        context.close()
