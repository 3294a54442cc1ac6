"""The inbox pages: staff and admins only, replies exactly once, bad input kept, no numbers."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bot.inbox import listing
from bot.inbox.models import Conversation
from bot.models import Learner, OutboxMessage
from bot.staff.models import AuditLog
from bot.vocab import OutboxKind
from tests.dashboard.pages import parse_page
from tests.inbox.conftest import csrf, logged_in
from tests.inbox.seed import NUMBERS

EN = {"Accept-Language": "en"}
ES = {"Accept-Language": "es"}
_REPLY_TOKEN = re.compile(r'name="token" value="([^"]+)"')


def reply_form(client, conversation: int, text: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    page = client.get(f"/inbox/{conversation}").get_data(as_text=True)
    found = _REPLY_TOKEN.search(page)
    assert found, "the reply form carries a one-time token"
    return {"csrf_token": csrf(client), "token": found.group(1), "reply": text}


def staff_replies(db_session, conversation: int) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        db_session.scalars(
            select(OutboxMessage.body)
            .where(OutboxMessage.kind == OutboxKind.STAFF_REPLY)
            .where(OutboxMessage.idempotency_key.like(f"inbox:{conversation}:%"))
            .order_by(OutboxMessage.id)
        )
    )


def test_the_list_puts_the_longest_waiting_first_with_every_column(client, inbox):
    page = logged_in(client, "staff").get("/inbox/", headers=EN)
    assert page.status_code == 200
    rows = parse_page(page.get_data(as_text=True))[0]["conversations"]
    assert rows[0] == [
        "Learner", "WhatsApp name", "Language", "Channel", "WhatsApp window",
        "Lessons done", "Waiting for", "Assigned to",
    ]  # fmt: skip
    assert rows[1:] == [
        ["Linbox2wa", "Amélie", "French (fr)", "WhatsApp", "closed", "0", "2 days", "—"],
        ["Linbox0sms", "—", "Spanish (es)", "SMS", "—", "0", "3 hours", "—"],
        ["Linbox1wa", "Jean Pierre", "Haitian Creole (ht)", "WhatsApp", "open", "0", "1 hour", "—"],
    ]


def test_mine_shows_only_my_conversations_and_pages_split_the_list(client, inbox, monkeypatch):  # type: ignore[no-untyped-def]
    logged_in(client, "staff")
    target = inbox["Linbox1wa"].conversation
    response = client.post(f"/inbox/{target}/assign", data={"csrf_token": csrf(client)})
    assert response.status_code == 302
    mine = parse_page(client.get("/inbox/?mine=1", headers=EN).get_data(as_text=True))[0]
    assert [row[0] for row in mine["conversations"][1:]] == ["Linbox1wa"]
    assert mine["conversations"][1][-1] == "me"

    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    first = client.get("/inbox/", headers=EN).get_data(as_text=True)
    second = client.get("/inbox/?page=2", headers=EN).get_data(as_text=True)
    assert [r[0] for r in parse_page(first)[0]["conversations"][1:]] == ["Linbox2wa", "Linbox0sms"]
    assert 'rel="next" href="/inbox/?page=2"' in first
    assert [r[0] for r in parse_page(second)[0]["conversations"][1:]] == ["Linbox1wa"]
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_spanish_pages_write_times_as_panama_does(client, inbox):
    logged_in(client, "staff")
    rows = parse_page(client.get("/inbox/", headers=ES).get_data(as_text=True))[0]
    assert rows["conversations"][2][6] == "3 horas"
    page = client.get(f"/inbox/{inbox['Linbox0sms'].conversation}", headers=ES)
    assert "08/15/25, 4:00\u202fa.\u202fm." in page.get_data(as_text=True)  # 09:00 UTC there


def test_visitors_go_to_log_in_and_coordinators_are_refused_everywhere(client, inbox):
    conversation = inbox["Linbox0sms"].conversation
    for path in ("/inbox/", f"/inbox/{conversation}"):
        assert client.get(path).headers["Location"].startswith("/staff/login")
    logged_in(client, "coordinator")
    token = csrf(client)
    assert client.get("/inbox/").status_code == 403
    assert client.get(f"/inbox/{conversation}").status_code == 403
    form = {"csrf_token": token, "token": "tok-coordinator", "reply": "Hola"}
    for action in ("reply", "template", "assign", "unassign", "close"):
        assert client.post(f"/inbox/{conversation}/{action}", data=form).status_code == 403


def test_coordinators_see_no_inbox_link_and_staff_see_the_waiting_badge(client, inbox):
    dashboard = logged_in(client, "coordinator").get("/dashboard/", headers=EN)
    assert 'href="/inbox/"' not in dashboard.get_data(as_text=True)
    client.post("/staff/logout", data={"csrf_token": csrf(client, "/dashboard/")})
    tags = logged_in(client, "staff").get("/tags/", headers=EN).get_data(as_text=True)
    assert re.search(r'href="/inbox/">Inbox <span class="badge"[^>]*>3</span>', tags)


def test_a_double_submit_writes_one_reply_and_a_new_form_another(client, inbox, db_session):
    logged_in(client, "staff")
    conversation = inbox["Linbox0sms"].conversation
    form = reply_form(client, conversation, "  Hola, ya lo estamos revisando.  ")
    first = client.post(f"/inbox/{conversation}/reply", data=form, headers=EN)
    again = client.post(f"/inbox/{conversation}/reply", data=form, headers=EN)
    assert first.status_code == again.status_code == 302
    assert staff_replies(db_session, conversation) == ["Hola, ya lo estamos revisando."]
    page = client.get(f"/inbox/{conversation}", headers=EN).get_data(as_text=True)
    assert "Reply queued for sending." in page and "This reply was already sent." in page

    second = reply_form(client, conversation, "¿Algo más?")
    assert second["token"] != form["token"]
    client.post(f"/inbox/{conversation}/reply", data=second)
    assert len(staff_replies(db_session, conversation)) == 2
    shown = client.get(f"/inbox/{conversation}", headers=EN).get_data(as_text=True)
    assert shown.count('class="from-staff"') == 2
    row = db_session.get(Conversation, conversation)
    assert row.waiting_since is None and row.assigned_to_id is not None


@pytest.mark.parametrize(
    ("case", "text", "field", "message"),
    [
        ("empty", "   ", "Reply", "The reply is empty"),
        ("too long", "a" * 1601, "Reply", "at most 1600 characters; this one has 1601"),
    ],
)
def test_a_bad_reply_names_the_field_and_keeps_the_text(
    client, inbox, db_session, case, text, field, message
):  # type: ignore[no-untyped-def]
    logged_in(client, "staff")
    conversation = inbox["Linbox0sms"].conversation
    form = reply_form(client, conversation, text)
    response = client.post(f"/inbox/{conversation}/reply", data=form, headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, case
    assert f"<strong>{field}:</strong>" in page and message in page, case
    assert f">{text}</textarea>" in page, case
    assert 'aria-invalid="true"' in page
    assert staff_replies(db_session, conversation) == []


def test_a_reply_to_a_closed_conversation_is_refused_with_the_text_kept(client, inbox, db_session):
    logged_in(client, "staff")
    conversation = inbox["Linbox0sms"].conversation
    form = reply_form(client, conversation, "Una respuesta tardía")
    closed = client.post(f"/inbox/{conversation}/close", data={"csrf_token": form["csrf_token"]})
    assert closed.headers["Location"] == "/inbox/"
    response = client.post(f"/inbox/{conversation}/reply", data=form, headers=EN)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<strong>Conversation:</strong> This conversation is closed" in page
    assert "Una respuesta tardía" in page
    assert staff_replies(db_session, conversation) == []
    read_only = client.get(f"/inbox/{conversation}", headers=EN).get_data(as_text=True)
    assert 'id="read-only"' in read_only and "<textarea" not in read_only
    assert "Hola, ¿dónde recojo mi certificado?" in read_only  # still readable


def test_a_closed_whatsapp_window_refuses_free_text_and_sends_the_template_once(
    client, inbox, db_session
):  # type: ignore[no-untyped-def]
    logged_in(client, "staff")
    conversation = inbox["Linbox2wa"].conversation
    page = client.get(f"/inbox/{conversation}", headers=EN).get_data(as_text=True)
    assert re.search(r"<textarea[^>]*\sdisabled>", page)
    assert 'id="send-template"' in page and "more than 24 hours ago" in page

    form = reply_form(client, conversation, "Bonjour")
    refused = client.post(f"/inbox/{conversation}/reply", data=form, headers=EN)
    assert refused.status_code == 422
    assert "WhatsApp window is closed" in refused.get_data(as_text=True)
    for _ in range(2):
        sent = client.post(f"/inbox/{conversation}/template", data=form)
        assert sent.status_code == 302
    rows = db_session.execute(
        select(OutboxMessage.kind, OutboxMessage.body).where(
            OutboxMessage.idempotency_key.like(f"inbox:{conversation}:%")
        )
    ).all()
    assert [row.kind for row in rows] == [OutboxKind.WINDOW_TEMPLATE]


def test_the_template_is_refused_while_the_window_is_open(client, inbox, db_session):
    logged_in(client, "staff")
    conversation = inbox["Linbox1wa"].conversation
    form = reply_form(client, conversation, "Bonjou")
    response = client.post(f"/inbox/{conversation}/template", data=form, headers=EN)
    assert response.status_code == 422
    assert "the WhatsApp window is open, write your reply" in response.get_data(as_text=True)
    assert (
        db_session.scalars(select(OutboxMessage.kind)).all().count(OutboxKind.WINDOW_TEMPLATE) == 0
    )


def test_opening_a_conversation_is_audited_with_its_id_and_pseudonym_only(
    client, inbox, db_session
):  # type: ignore[no-untyped-def]
    logged_in(client, "admin")
    conversation = inbox["Linbox1wa"].conversation
    client.get(f"/inbox/{conversation}")
    entry = db_session.scalars(
        select(AuditLog).where(AuditLog.action == "inbox.view").order_by(AuditLog.id.desc())
    ).first()
    assert entry.details == {"conversation": conversation, "learner": "Linbox1wa"}
    assert entry.staff_user_id is not None


def test_no_page_ever_shows_a_phone_number(client, inbox, db_session):
    stored = db_session.execute(select(Learner.phone_hash, Learner.phone_encrypted)).all()
    secrets_ = [value for row in stored for value in row if value]
    logged_in(client, "staff")
    pages = [client.get("/inbox/", headers=headers) for headers in (EN, ES)]
    for seeded in inbox.values():
        pages.append(client.get(f"/inbox/{seeded.conversation}", headers=EN))
        pages.append(client.get(f"/inbox/{seeded.conversation}", headers=ES))
        form = reply_form(client, seeded.conversation, "")
        pages.append(client.post(f"/inbox/{seeded.conversation}/reply", data=form))
    for response in pages:
        html = response.get_data(as_text=True)
        for number in NUMBERS:
            assert number not in html and number[4:] not in html
        assert not [value for value in secrets_ if value in html]


def test_saved_replies_come_in_the_learners_language(client, inbox):
    logged_in(client, "staff")
    creole = client.get(f"/inbox/{inbox['Linbox1wa'].conversation}", headers=EN)
    assert "Mèsi paske ou ekri nou." in creole.get_data(as_text=True)
    chosen = client.get(f"/inbox/{inbox['Linbox0sms'].conversation}?saved=0", headers=EN)
    assert re.search(r">Gracias por escribirnos\.[^<]*</textarea>", chosen.get_data(as_text=True))


def test_the_badge_counts_those_still_waiting(client, inbox, db_session):
    logged_in(client, "staff")
    conversation = inbox["Linbox0sms"].conversation
    client.post(f"/inbox/{conversation}/reply", data=reply_form(client, conversation, "Hola"))
    waiting = db_session.scalar(
        select(func.count())
        .select_from(Conversation)
        .where(Conversation.waiting_since.is_not(None))
    )
    assert waiting == 2
    assert '<span class="badge" title="2 conversations waiting">2</span>' in client.get(
        "/inbox/", headers=EN
    ).get_data(as_text=True)


def test_errors_are_told_in_the_pages_language(client, inbox):
    logged_in(client, "staff")
    conversation = inbox["Linbox0sms"].conversation
    form = reply_form(client, conversation, "")
    page = client.post(f"/inbox/{conversation}/reply", data=form, headers=ES)
    html = page.get_data(as_text=True)
    assert "<strong>Respuesta:</strong> La respuesta está vacía" in html
    assert "Tu respuesta en español (es)" in html
