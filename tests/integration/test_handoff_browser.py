"""The whole hand-off with the real Rasa server and a staff member in a real browser.

Per language: the learner asks for a person in their own words; a staff
member logs in (Debian's chromium through Playwright), finds the
conversation in the inbox, answers from the page; the learner receives the
answer; what the learner writes next is not answered by the bot and shows on
the staff page; staff close from the page; the bot is back and answers.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from bot.clock import utc_now
from bot.db import make_engine, make_session_factory, session_scope
from bot.models import OutboxMessage
from bot.settings import Settings
from bot.staff.accounts import create_user
from bot.text.i18n import gettext_for
from bot.vocab import OutboxKind
from tests.dashboard.test_browser import open_page
from tests.integration.test_handoff import SCRIPTS, Script, onboard, the_conversation

pytestmark = [pytest.mark.rasa, pytest.mark.browser]

STAFF = "ana@ngo.example.org"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def staff_site(stack_app, stack_settings: Settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The stack's app on a loopback port, with one staff account."""
    engine = make_engine(stack_settings.app.database_url)
    with session_scope(make_session_factory(engine)) as session:
        create_user(session, STAFF, "staff", PASSWORD, utc_now())
    engine.dispose()
    server = make_server("127.0.0.1", 0, stack_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.language for s in SCRIPTS])
def test_staff_answer_a_learner_from_the_inbox_page(
    new_phone, staff_site, browser, script: Script
) -> None:  # type: ignore[no-untyped-def]
    _ = gettext_for(script.language)
    phone = new_phone()
    onboard(phone, script)
    phone.say(script.ask)
    with phone.sessions() as session:
        public_id = phone.learner(session).public_id

    context, page = open_page(browser, staff_site)
    try:
        page.goto("/inbox/")
        page.fill("#email", STAFF)
        page.fill("#password", PASSWORD)
        page.click("form button[type=submit]")
        page.goto("/inbox/")
        page.click(f"text={public_id}")
        page.wait_for_selector("#reply")
        assert script.ask in page.locator(".thread").inner_text()  # what the learner wrote
        page.fill("#reply", script.staff_reply)
        page.click("#send")
        page.wait_for_selector(".notice")

        phone.work()
        assert phone.received() == [script.staff_reply]

        # Free text in between reaches the team, not the bot.
        assert phone.say(script.question) == []
        page.reload()
        assert script.question in page.locator(".thread").inner_text()

        page.click("#close")
        page.wait_for_url("**/inbox/")
        assert public_id not in page.locator("#conversations").inner_text()
    finally:
        context.close()

    replies = phone.say(script.progress)
    assert replies[0] == _(
        "The team has closed this conversation and the bot is back. "
        "Write MENU to see what you can do, or PERSON to talk to someone again."
    )
    assert len(replies) > 1  # the bot answered the message itself
    conversation = the_conversation(phone)
    assert conversation is not None and conversation.resumed_at is not None


def test_a_whatsapp_learner_whose_window_closed_gets_the_template_then_free_text(
    new_phone, staff_site, browser
) -> None:  # type: ignore[no-untyped-def]
    phone = new_phone(channel="whatsapp")
    onboard(phone, SCRIPTS[0])
    phone.say("quiero hablar con una persona")
    with session_scope(phone.sessions) as session:
        learner = phone.learner(session)
        public_id = learner.public_id
        learner.last_inbound_at = utc_now() - timedelta(hours=25)  # the window closed

    context, page = open_page(browser, staff_site)
    try:
        page.goto("/inbox/")
        page.fill("#email", STAFF)
        page.fill("#password", PASSWORD)
        page.click("form button[type=submit]")
        page.goto("/inbox/")
        page.click(f"text={public_id}")
        page.wait_for_selector("#window-note")
        assert page.locator("#reply").is_disabled()
        assert page.locator("#send").is_disabled()
        page.click("#send-template")
        page.wait_for_selector(".notice")
        with phone.sessions() as session:
            kinds = session.scalars(
                select(OutboxMessage.kind).where(OutboxMessage.learner_id == phone.learner_id)
            ).all()
        assert kinds.count(OutboxKind.WINDOW_TEMPLATE) == 1
        phone.work()
        phone.received()  # the invitation (its rendering is the channel's tests' business)

        # The learner answers the template: the window is open again, the
        # message goes to the team (not the bot), and staff can write freely.
        assert phone.say("hola, aquí estoy") == []
        page.reload()
        assert not page.locator("#reply").is_disabled()
        page.fill("#reply", "Gracias. ¿En qué te ayudamos?")
        page.click("#send")
        page.wait_for_selector(".notice")
    finally:
        context.close()
    phone.work()
    assert "Gracias. ¿En qué te ayudamos?" in "\n".join(phone.received())
