"""The inbox in a real browser (Debian's chromium through Playwright), on a real server.

The reply box's counter is computed by the page's script from the rules the
server exports; here it must give bot.text.sms's answer for every text of a
corpus (GSM-7, the extension table, accents the accent-free SMS replaces,
emoji, Creole, blank lines). Then a staff member answers and closes.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.db import make_engine, make_session_factory
from bot.inbox.counter import as_sent
from tests.browser import ARTIFACTS
from tests.dashboard.conftest import PASSWORD, USERS
from tests.dashboard.test_browser import open_page
from tests.inbox.seed import LEARNERS, NUMBERS, seed_inbox

pytestmark = pytest.mark.browser

CREOLE_SMS = (
    "Linbox3sms", "+50762223344", "sms", "ht", None, timedelta(hours=5),
    "Bonjou, kilè pwochen leson an ap vini?",
)  # fmt: skip
CORPUS = (
    "Hola, ¿cómo estás? Mañana a las 9:00 en la oficina.",
    "Precio: 5€ [oferta] {hoy} ~ 50% | a\\b ^",
    "Mwen vle pale ak yon moun, mèsi anpil! Kilè nou ka wè?",
    "Gracias 🙏 por escribir",
    "Ça coûte 10 € — d’accord ? « Oui » …",
    "Zoë, naïve café crème, Œuvre",
    "a" * 160,
    "a" * 161,
    "€" * 80,
    "€" * 76 + "a" * 2,
    "ñ" * 153 + "€",
    "😀" * 35,
    "😀" * 33 + "a",
    "Línea uno\n\n   \nLínea dos   \n\tTres",
    "ΔΦΓ Ω test _ @ £ ¥ § ¿¡",
    "Pagina " + "á" * 70,
    "Bonjou! Mwen se Jean-Pierre. Èske ou ka ede m ak leson 3 a? Mwen pa t konprann kesyon "
    "sou kòman pou m fè yon demann travay. Mèsi davans pou èd ou. " * 3,
    "  espacios al principio y al final  ",
    "",
)


@pytest.fixture
def conversations(settings):  # type: ignore[no-untyped-def]
    engine = make_engine(settings.app.database_url)
    try:
        with make_session_factory(engine)() as session:
            return seed_inbox(session, settings, learners=(*LEARNERS, CREOLE_SMS))
    finally:
        engine.dispose()


def log_in(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/inbox/")  # sends an anonymous visitor to the log-in page
    page.fill("#email", USERS["staff"])
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.goto("/inbox/")


def counter(page) -> tuple[str | None, int, int]:  # type: ignore[no-untyped-def]
    shown = page.locator("#counter")
    return (
        shown.get_attribute("data-encoding"),
        int(shown.get_attribute("data-segments") or 0),
        int(shown.get_attribute("data-units") or 0),
    )


def test_the_counter_agrees_with_bot_text_sms_on_a_corpus(
    browser, live_server, conversations, settings
):  # type: ignore[no-untyped-def]
    context, page = open_page(browser, live_server)
    try:
        log_in(page)
        expected = {
            language: [as_sent(text, "sms", language, settings.sms_accent_free(language))[1]
                       for text in CORPUS]
            for language in ("es", "ht")
        }  # fmt: skip
        # The corpus reaches every rule: both encodings, several segments, and
        # texts the accent-free Spanish SMS counts differently from Creole.
        assert {info.encoding for info in expected["ht"]} == {"GSM-7", "UCS-2"}
        assert max(info.segments for info in expected["es"]) > 2
        assert expected["es"] != expected["ht"]
        for public_id, language in (("Linbox0sms", "es"), ("Linbox3sms", "ht")):
            page.goto(f"/inbox/{conversations[public_id].conversation}")
            accent_free = settings.sms_accent_free(language)
            for text in CORPUS:
                page.fill("#reply", text)
                _, info = as_sent(text, "sms", language, accent_free)
                assert counter(page) == (info.encoding, info.segments, info.units), (
                    language,
                    text,
                )
                assert f"{info.segments} SMS" in page.locator("#counter").inner_text()
    finally:
        context.close()


def test_staff_answer_watch_the_counter_and_close(browser, live_server, conversations):
    context, page = open_page(browser, live_server)
    try:
        log_in(page)
        assert page.locator(".menu .badge").inner_text() == "4"
        page.click("text=Linbox0sms")
        page.wait_for_selector("#reply")
        page.locator("#reply").press_sequentially("Hola")
        assert counter(page) == ("GSM-7", 1, 4)
        page.locator("#reply").press_sequentially(" 🙂")
        assert counter(page)[0] == "UCS-2"
        assert "🙂" in page.locator("#forcing").inner_text()
        page.fill("#reply", "")
        saved = page.locator("#saved a").first
        assert saved.inner_text().startswith("Gracias por escribirnos.")
        saved.click()
        assert page.input_value("#reply").startswith("Gracias por escribirnos.")
        assert counter(page)[1] == 1

        page.click("#send")
        page.wait_for_selector(".notice")
        assert page.locator(".notice").inner_text() == "Reply queued for sending."
        staff = page.locator(".thread .from-staff .text")
        assert staff.last.inner_text().startswith("Gracias por escribirnos.")
        assert page.locator(".menu .badge").inner_text() == "3"

        page.click("#close")
        page.wait_for_url("**/inbox/")
        assert "Conversation closed" in page.locator(".notice").inner_text()
        assert "Linbox0sms" not in page.locator("#conversations").inner_text()
        html = page.content()
        assert not [number for number in NUMBERS if number[4:] in html]
    finally:
        context.close()


def test_the_inbox_fits_a_phone_screen(browser, live_server, conversations):
    context, page = open_page(browser, live_server, width=375)
    try:
        log_in(page)
        for path in ("/inbox/", f"/inbox/{conversations['Linbox1wa'].conversation}"):
            page.goto(path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, (path, overflow)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "inbox-conversation-phone.png"), full_page=True)
    finally:
        context.close()
