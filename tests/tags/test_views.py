"""The tags page: staff and admins only, CSRF, audited, never a phone number shown."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.staff.models import AuditLog
from tests.dashboard.conftest import PASSWORD, USERS
from tests.dashboard.pages import log_in

EN = {"Accept-Language": "en"}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def logged_in(client, role: str):  # type: ignore[no-untyped-def]
    assert log_in(client, USERS[role], PASSWORD).status_code == 302
    return client


def token(client) -> str:  # type: ignore[no-untyped-def]
    found = _TOKEN.search(client.get("/tags/").get_data(as_text=True))
    assert found
    return found.group(1)


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_and_admins_open_the_page_and_see_the_tags_in_use(client, role):
    page = logged_in(client, role).get("/tags/", headers=EN)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "site-colon" in text and "site-david" in text
    assert 'href="/tags/"' in text  # in the menu


def test_coordinators_are_refused_and_visitors_sent_to_log_in(client):
    assert client.get("/tags/").headers["Location"].startswith("/staff/login")
    assert logged_in(client, "coordinator").get("/tags/").status_code == 403
    assert client.post("/tags/", data={"tag": "x", "learners": "Lseed0001"}).status_code == 400


def test_staff_still_land_where_they_did(client):
    assert log_in(client, USERS["admin"], PASSWORD).headers["Location"] == "/dashboard/"


def test_a_form_without_the_token_is_refused(client, db_session):
    logged_in(client, "staff")
    response = client.post("/tags/", data={"tag": "cohort-x", "learners": "Lseed0001"})
    assert response.status_code == 400
    assert "learner_tag.add" not in db_session.scalars(select(AuditLog.action)).all()


def test_tagging_from_the_page(client, db_session):
    logged_in(client, "staff")
    form = {
        "csrf_token": token(client),
        "tag": "Cohort-X",
        "learners": "Lseed0001\nLseed0002\n+50761234567\nLnobody\n",
        "action": "add",
    }
    response = client.post("/tags/", data=form, headers=EN)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tag cohort-x added" in text
    assert "Learners tagged: 2" in text and "Lnobody" in text
    assert "(they may be phone numbers): 1" in text
    assert "61234567" not in text
    entry = db_session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert entry.action == "learner_tag.add" and entry.staff_user_id is not None
    assert entry.details == {"tag": "cohort-x", "learners": ["Lseed0001", "Lseed0002"]}

    # The coordinators' filter offers it at once.
    client.post("/staff/logout", data={"csrf_token": token(client)})
    logged_in(client, "coordinator")
    assert '<option value="cohort-x"' in client.get("/dashboard/").get_data(as_text=True)


def test_removing_from_the_page_and_errors(client):
    logged_in(client, "admin")
    csrf = token(client)
    form = {"csrf_token": csrf, "tag": "site-david", "learners": "Lseed0040", "action": "remove"}
    text = client.post("/tags/", data=form, headers=EN).get_data(as_text=True)
    assert "Tag site-david removed" in text and "Learners untagged: 1" in text

    bad_tag = client.post("/tags/", data={**form, "tag": "bad tag"}, headers=EN)
    assert bad_tag.status_code == 400 and "lower-case letters" in bad_tag.get_data(as_text=True)
    empty = client.post("/tags/", data={**form, "learners": " \n"}, headers=EN)
    assert empty.status_code == 400
    too_many = client.post("/tags/", data={**form, "learners": "Lx\n" * 5001}, headers=EN)
    assert too_many.status_code == 400


def test_a_full_list_of_5000_ids_is_not_refused_as_too_big(client):
    # About 115 kB as a browser posts it: more than app.max_request_bytes (64 kB).
    logged_in(client, "admin")
    ids = "\r\n".join(f"L{index:016x}" for index in range(5000))
    form = {"csrf_token": token(client), "tag": "cohort-7", "learners": ids, "action": "add"}

    response = client.post("/tags/", data=form, headers=EN)

    assert response.status_code == 200
    assert "cohort-7" in response.get_data(as_text=True)
