"""A broadcast in a real browser (Debian's chromium through Playwright) on a real server.

Staff log in, compose in two languages, pick a segment and watch the live
count, preview (segments and cost), send, and follow it to the final counts;
the scheduler's job and the sender (local channel) run in the test, with time
as an input. A coordinator is refused, and so is a form without its CSRF token.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy.orm import Session, sessionmaker

from bot.broadcasts import queueing
from bot.broadcasts.models import Route
from bot.broadcasts.routing import as_shown
from bot.messaging.channels.local import LocalChannel
from bot.messaging.pacer import Pacer
from bot.messaging.worker import run_sends_once
from bot.settings import Settings
from bot.text.sms import analyse
from bot.vocab import LearnerStatus
from tests.broadcasts.builders import NOW, PASSWORD, add_learner
from tests.browser import ARTIFACTS

pytestmark = pytest.mark.browser


@pytest.fixture
def learners(db_session: Session, settings: Settings) -> None:
    """5 Spanish on SMS, 3 English on WhatsApp, 2 French; 2 opted out (never counted)."""
    for _ in range(5):
        add_learner(db_session, settings, language="es", channel="sms")
    for _ in range(3):
        add_learner(
            db_session,
            settings,
            language="en",
            channel="whatsapp",
            last_inbound_at=NOW - timedelta(hours=3),
        )
    for _ in range(2):
        add_learner(db_session, settings, language="fr", channel="sms")
        add_learner(db_session, settings, language="es", status=LearnerStatus.OPTED_OUT)
    db_session.commit()


@pytest.fixture
def page(browser, live_server):  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, locale="en-US")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def log_in(page, who: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/staff/login")
    page.fill("#email", f"{who}@example.org")
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()


def run_until_done(sessions: sessionmaker[Session], settings: Settings, start) -> None:  # type: ignore[no-untyped-def]
    """The scheduler's job and the sender, turn about, until nothing is left."""
    moment = start
    for _ in range(20):
        summary = queueing.run(sessions, settings, moment)
        sent = run_sends_once(sessions, LocalChannel(), settings, Pacer(1000), moment, limit=50)
        if summary["finished"] or not (sent or summary["queued"] or summary["started"]):
            return
        moment += timedelta(seconds=5)


def test_staff_compose_preview_send_and_follow_a_broadcast(page, learners, sessions, settings):
    log_in(page, "author")
    page.click("nav.menu >> text=Broadcasts")
    page.click("text=New broadcast")
    page.fill("#title", "Training day")
    page.fill("#text_es", "Taller de ventas el sábado a las 9. ¡Te esperamos!")
    page.fill("#text_en", "Sales workshop on Saturday at 9. See you there!")
    assert page.locator("#audience-count").inner_text() == "10 learners"
    page.check("input[name=languages][value=es]")
    page.check("input[name=languages][value=en]")
    expect(page.locator("#audience-count")).to_have_text("8 learners")  # the live count
    page.click("button[value=save]")

    page.wait_for_selector("#preview")
    assert page.locator("#preview-recipients").inner_text() == "8"
    sms = page.locator("tr.rendition[data-language=es][data-route=sms]")
    # Spanish SMS go accent-free: "sabado" in GSM-7 (¡ is GSM-7 and stays).
    assert sms.locator(".encoding").inner_text().startswith("GSM-7")
    assert sms.locator(".segments").inner_text() == "1"
    assert "el sabado a las 9. ¡Te esperamos!" in sms.locator(".phone").inner_text()
    assert page.locator("#preview-cost").inner_text() == "US$ 0.27"  # 5 x 0.05 + 3 x 0.005
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "broadcast-preview.png"), full_page=True)

    page.click("#send")
    page.wait_for_selector("#undo")
    assert page.locator("#status").inner_text() == "Scheduled"

    start = NOW + timedelta(seconds=settings.broadcasts.undo_seconds)
    paced = settings.with_overrides(
        {"sender.rate_per_second": 1, "broadcasts.feed_ahead_seconds": 3}
    )
    queueing.run(sessions, paced, start)  # starts it, 3 rows ahead of the sender
    run_sends_once(sessions, LocalChannel(), paced, Pacer(1000), start, limit=2)
    page.reload()
    assert page.locator("#status").inner_text() == "Sending"
    assert page.locator("#progress-bar").get_attribute("value") == "25"  # 2 of 8
    assert page.locator("#count-delivered .value").inner_text() == "2"
    assert page.locator("#count-waiting .value").inner_text() == "5"

    run_until_done(sessions, settings, start + timedelta(seconds=5))
    page.reload()
    assert page.locator("#status").inner_text() == "Sent"
    assert page.locator("#progress-bar").get_attribute("value") == "100"
    assert page.locator("#count-recipients .value").inner_text() == "8"
    assert page.locator("#count-delivered .value").inner_text() == "8"
    assert page.locator("#count-failed .value").inner_text() == "0"
    page.screenshot(path=str(ARTIFACTS / "broadcast-sent.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#recipients-csv")
    lines = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 9 and lines[0].startswith("public_id,")


def test_a_coordinator_cannot_reach_the_broadcast_pages(page, learners):
    log_in(page, "coordinator")
    assert page.locator("nav.menu >> text=Broadcasts").count() == 0
    for path in ("/broadcasts/", "/broadcasts/new"):
        assert page.goto(path).status == 403


def test_a_form_without_its_csrf_token_is_refused(page, learners):
    log_in(page, "author")
    page.goto("/broadcasts/new")
    page.fill("#text_es", "Hola")
    page.evaluate("document.querySelector('form.compose input[name=csrf_token]').remove()")
    with page.expect_navigation() as navigation:
        page.click("button[value=save]")
    assert navigation.value.status == 400
    page.goto("/broadcasts/")
    assert "Hola" not in page.locator("main").inner_text()


def test_the_pages_fit_a_phone_screen(browser, live_server, learners):
    context = browser.new_context(base_url=live_server, viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        log_in(page, "author")
        page.goto("/broadcasts/new")
        page.fill("#text_es", "Hola")
        page.click("button[value=save]")  # the French learners need a text: errors shown
        for path in ("/broadcasts/new", page.url, "/broadcasts/"):
            page.goto(path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (path, overflow)
    finally:
        context.close()


# 107 characters; "á" and "ó" are not GSM-7: with accents UCS-2 in 2 SMS, accent-free 1.
ACCENTED = (
    "Recordatorio: el taller de ventas es el sábado a las 9 en la oficina de Colón. "
    "Traiga su cédula, por favor."
)
TWENTY_CHARACTERS = """(phone) => {
  const probe = document.createElement("span");
  probe.style.whiteSpace = "nowrap";
  probe.textContent = "abcdefghijklmnopqrst";
  phone.appendChild(probe);
  const wanted = probe.getBoundingClientRect().width;
  probe.remove();
  const style = getComputedStyle(phone);
  const inner = phone.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return inner - wanted;
}"""


def test_the_live_counter_agrees_with_the_server_and_the_preview_fits_390_px(
    browser, live_server, learners, settings
):
    context = browser.new_context(
        base_url=live_server, locale="en-US", viewport={"width": 390, "height": 844}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, "author")
        page.goto("/staff/language/en")
        page.goto("/broadcasts/new")
        page.fill("#text_es", ACCENTED)
        page.fill("#text_en", "Sales workshop on Saturday at 9 ~ bring your ID.")
        page.fill("#text_fr", "Atelier samedi à 9 h.")
        for language, text in (
            ("es", ACCENTED),
            ("en", "Sales workshop on Saturday at 9 ~ bring your ID."),
        ):
            server = analyse(as_shown(text, Route.SMS, language, settings))
            counter = page.locator(f"#counter_{language}")
            assert counter.get_attribute("data-encoding") == server.encoding, language
            assert counter.get_attribute("data-segments") == str(server.segments), language
        spanish = page.locator("#counter_es").inner_text()
        assert spanish.startswith("GSM-7 · 1 SMS · 107 of 1600 characters"), spanish
        assert "with accents it would be 2 SMS (UCS-2)" in spanish
        with_accents = analyse(ACCENTED)  # what the accent-free rendering saves
        assert (with_accents.encoding, with_accents.segments) == ("UCS-2", 2)
        assert "with accents" not in page.locator("#counter_en").inner_text()
        # Typing changes the count at once: past 160 GSM-7 units is a second SMS.
        page.fill("#text_es", ACCENTED + " " + ACCENTED)
        expect(page.locator("#counter_es")).to_have_attribute("data-segments", "2")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "broadcast-counter-390.png"), full_page=True)

        page.fill("#text_es", ACCENTED)
        page.click("button[value=save]")
        page.wait_for_selector("#preview")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        for phone in page.locator("tr.rendition .phone").all():
            assert phone.evaluate(TWENTY_CHARACTERS) >= 0, phone.inner_text()
        page.screenshot(path=str(ARTIFACTS / "broadcast-preview-390.png"), full_page=True)
    finally:
        context.close()
