"""Issue 17's broadcast fixes as staff see them: empty saves, deletion, counts, times, badge."""

from __future__ import annotations

import html
import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.broadcasts.models import Broadcast, BroadcastStatus
from bot.staff.models import AuditLog
from bot.vocab import LearnerStatus
from tests.broadcasts.builders import NOW, add_learner, csrf_token, log_in, make_broadcast


def _broadcasts(db_session) -> int:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return int(db_session.scalar(select(func.count()).select_from(Broadcast)) or 0)


def test_saving_an_empty_form_creates_no_draft_and_keeps_the_title(client, people, db_session):
    log_in(client, "author@example.org")
    token = csrf_token(client.get("/broadcasts/new").get_data(as_text=True))
    form = {"csrf_token": token, "base_language": "es", "title": "Taller de Colón", "text_es": " "}
    response = client.post("/broadcasts/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="text_es-error"' in page
    assert "The message is empty: write it in Spanish (es), the base language." in page
    assert 'value="Taller de Colón"' in page
    assert _broadcasts(db_session) == 0


def _delete(client, broadcast_id: int):  # type: ignore[no-untyped-def]
    page = client.get(f"/broadcasts/{broadcast_id}/delete").get_data(as_text=True)
    return client.post(f"/broadcasts/{broadcast_id}/delete", data={"csrf_token": csrf_token(page)})


@pytest.mark.parametrize("role", ["author", "admin"])
def test_a_draft_is_deleted_after_confirmation_and_audited(client, people, db_session, role):
    draft = make_broadcast(db_session, people["author"])
    db_session.commit()
    draft_id = draft.id
    log_in(client, f"{role}@example.org")
    show = client.get(f"/broadcasts/{draft_id}").get_data(as_text=True)
    assert f'href="/broadcasts/{draft_id}/delete"' in show
    confirm = client.get(f"/broadcasts/{draft_id}/delete").get_data(as_text=True)
    assert "deleted for good" in confirm
    response = _delete(client, draft_id)
    assert response.status_code == 302
    listed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Draft #{draft_id} was deleted." in listed
    assert _broadcasts(db_session) == 0
    logged = db_session.scalars(select(AuditLog).where(AuditLog.action == "broadcast.delete")).one()
    assert logged.staff_user_id == people[role].id
    assert logged.details == {"broadcast": draft_id}


@pytest.mark.parametrize("status", [BroadcastStatus.SENDING, BroadcastStatus.SENT])
def test_only_drafts_can_be_deleted(client, people, db_session, status):
    broadcast = make_broadcast(db_session, people["author"])
    broadcast.status = status
    db_session.commit()
    log_in(client, "author@example.org")
    token = csrf_token(client.get(f"/broadcasts/{broadcast.id}").get_data(as_text=True))
    response = client.post(f"/broadcasts/{broadcast.id}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Only a draft can be deleted." in page
    assert _broadcasts(db_session) == 1


def test_a_coordinator_cannot_delete_and_a_missing_token_is_refused(client, people, db_session):
    draft = make_broadcast(db_session, people["author"])
    db_session.commit()
    log_in(client, "author@example.org")
    assert client.post(f"/broadcasts/{draft.id}/delete", data={}).status_code == 400
    token = csrf_token(client.get("/broadcasts/").get_data(as_text=True))
    client.post("/staff/logout", data={"csrf_token": token})
    log_in(client, "coordinator@example.org")
    assert client.get(f"/broadcasts/{draft.id}/delete").status_code == 403
    token = csrf_token(client.get("/dashboard/").get_data(as_text=True))
    assert (
        client.post(f"/broadcasts/{draft.id}/delete", data={"csrf_token": token}).status_code == 403
    )
    assert _broadcasts(db_session) == 1


def test_compose_and_preview_count_the_same_reachable_learners(
    client, people, db_session, settings
):
    for _index in range(3):
        add_learner(db_session, settings, language="es")
    add_learner(
        db_session,
        settings,
        language="en",
        channel="whatsapp",
        last_inbound_at=NOW - timedelta(hours=1),
    )
    # WhatsApp window closed; the test settings have no template and no SMS fallback.
    add_learner(
        db_session,
        settings,
        language="es",
        channel="whatsapp",
        last_inbound_at=NOW - timedelta(days=3),
    )
    add_learner(db_session, settings, language="es", status=LearnerStatus.OPTED_OUT)
    db_session.commit()
    log_in(client, "author@example.org")
    compose_page = client.get("/broadcasts/new").get_data(as_text=True)
    live = client.get("/broadcasts/audience/count").get_json()
    token = csrf_token(compose_page)
    form = {"csrf_token": token, "base_language": "es", "text_es": "Hola", "text_en": "Hi"}
    response = client.post("/broadcasts/new", data=form)
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "4 learners" in compose_page
    assert live["count"] == 4
    assert 'id="preview-recipients">4<' in preview


def test_the_list_shows_the_requested_start_in_panama_time_by_locale(client, people, db_session):
    waiting = make_broadcast(db_session, people["author"], title="Later")
    waiting.status = BroadcastStatus.AWAITING_APPROVAL
    waiting.requested_send_at = datetime(2026, 3, 10, 14, 30)  # UTC: 9:30 in Panama
    db_session.commit()
    log_in(client, "author@example.org")
    english = client.get("/broadcasts/").get_data(as_text=True)
    assert re.search(r'class="starts">Mar 10, 2026, 9:30:00\sAM<', english)
    client.get("/staff/language/es")
    spanish = client.get("/broadcasts/").get_data(as_text=True)
    assert re.search(r'class="starts">03/10/2026, 9:30:00\sa\.\s?m\.<', spanish), spanish


def test_the_menu_shows_approvals_waiting_for_others_not_the_author(client, people, db_session):
    for _index in range(2):
        waiting = make_broadcast(db_session, people["author"])
        waiting.status = BroadcastStatus.AWAITING_APPROVAL
        waiting.requested_by_id = people["author"].id
    make_broadcast(db_session, people["author"])  # a draft waits for nobody
    db_session.commit()
    badge = re.compile(r'Broadcasts <span class="badge" title="([^"]+)">(\d+)</span>')
    log_in(client, "admin@example.org")
    found = badge.search(client.get("/broadcasts/").get_data(as_text=True))
    assert found and found.groups() == ("2 broadcasts waiting for your approval", "2")
    token = csrf_token(client.get("/broadcasts/").get_data(as_text=True))
    client.post("/staff/logout", data={"csrf_token": token})
    log_in(client, "author@example.org")
    assert not badge.search(client.get("/broadcasts/").get_data(as_text=True))


def test_the_compose_page_hands_its_counter_the_servers_sms_rules(client, people):
    log_in(client, "author@example.org")
    page = client.get("/broadcasts/new").get_data(as_text=True)
    found = re.search(r'id="sms-rules" hidden data-rules="([^"]+)"', page)
    assert found
    rules = json.loads(html.unescape(found.group(1)))
    assert rules["max"] == 1600
    assert rules["replacements"]["á"] == "a" and "é" not in rules["replacements"]  # é is GSM-7
    assert rules["single"] == {"GSM-7": 160, "UCS-2": 70}
    flagged = set(re.findall(r'id="counter_([a-z]+)"[^>]*data-accent-free="1"', page, re.S))
    assert flagged == {"es", "fr"}  # sender.sms_accent_free_languages
    assert 'src="/staff/static/sms_count.js"' in page
