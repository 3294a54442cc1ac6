"""Who may see the statistics, CSRF on every form, the log-in throttle, the session cookie."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.staff.models import AuditLog, StaffUser
from tests.dashboard.conftest import PASSWORD, USERS
from tests.dashboard.pages import log_in

VIEWS = (
    "/dashboard/",
    "/dashboard/funnel",
    "/dashboard/quiz",
    "/dashboard/delivery",
    "/dashboard/conversations",
)
EXPORTS = ("/dashboard/export/overview/by_language.csv", "/dashboard/export/progress.csv")


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_coordinators_and_admins_see_every_view_and_export(client, role):
    assert log_in(client, USERS[role], PASSWORD).status_code == 302
    for path in VIEWS + EXPORTS:
        assert client.get(path).status_code == 200, path


def test_staff_without_the_coordinator_role_is_refused(client):
    assert log_in(client, USERS["staff"], PASSWORD).status_code == 302
    for path in VIEWS + EXPORTS:
        assert client.get(path).status_code == 403, path


def test_anonymous_visitors_are_sent_to_the_log_in_page(client):
    for path in VIEWS + EXPORTS:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/staff/login?next=")


def test_log_in_lands_on_the_statistics_and_returns_to_the_page_asked_for(client):
    response = log_in(client, USERS["coordinator"], PASSWORD)
    assert response.headers["Location"] == "/dashboard/"
    client.post("/staff/logout", data={"csrf_token": _token(client)})
    page = client.get("/staff/login?next=/dashboard/quiz")
    form = {
        "email": USERS["coordinator"],
        "password": PASSWORD,
        "next": "/dashboard/quiz",
        "csrf_token": _token_in(page.get_data(as_text=True)),
    }
    assert client.post("/staff/login", data=form).headers["Location"] == "/dashboard/quiz"


def test_log_in_never_redirects_to_another_site(client):
    page = client.get("/staff/login")
    form = {
        "email": USERS["coordinator"],
        "password": PASSWORD,
        "next": "//evil.example/steal",
        "csrf_token": _token_in(page.get_data(as_text=True)),
    }
    assert client.post("/staff/login", data=form).headers["Location"] == "/dashboard/"


def test_a_form_without_the_csrf_token_is_refused(client):
    client.get("/staff/login")
    form = {"email": USERS["coordinator"], "password": PASSWORD}
    assert client.post("/staff/login", data=form).status_code == 400
    assert client.post("/staff/login", data={**form, "csrf_token": "forged"}).status_code == 400
    log_in(client, USERS["coordinator"], PASSWORD)
    assert client.post("/staff/logout").status_code == 400
    assert client.get("/dashboard/").status_code == 200  # still logged in


def test_twilio_webhooks_are_not_asked_for_a_csrf_token(client):
    # They are signed by Twilio instead: an unsigned post is refused by the signature check.
    assert client.post("/twilio/inbound", data={"Body": "hola"}).status_code == 403


def test_a_deactivated_account_is_signed_out(coordinator, db_session):
    user = db_session.scalar(select(StaffUser).where(StaffUser.email == USERS["coordinator"]))
    user.active = False
    db_session.commit()
    assert coordinator.get("/dashboard/").status_code == 302
    assert log_in(coordinator, USERS["coordinator"], PASSWORD).status_code == 401


def test_session_cookie_flags(client, app):
    response = log_in(client, USERS["coordinator"], PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert app.config["SESSION_COOKIE_SECURE"] is False  # TESTING
    assert response.headers["Location"] == "/dashboard/"


def test_cookies_are_secure_unless_testing_or_on_loopback_http(settings):
    from bot.staff import cookie_must_be_secure

    assert cookie_must_be_secure(settings, testing=False)  # https://lessonbot.example.org
    local = settings.with_overrides({"app.public_url": "http://127.0.0.1:5000"})
    assert not cookie_must_be_secure(local, testing=False)
    assert not cookie_must_be_secure(settings, testing=True)


def test_staff_pages_send_protective_headers(coordinator):
    response = coordinator.get("/dashboard/")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_log_ins_log_outs_and_exports_are_audited(coordinator, db_session):
    coordinator.get("/dashboard/export/progress.csv?language=es").get_data()
    coordinator.post("/staff/logout", data={"csrf_token": _token(coordinator)})
    entries = db_session.execute(
        select(AuditLog.action, AuditLog.details).order_by(AuditLog.id)
    ).all()
    actions = [action for action, _details in entries]
    assert actions[-3:] == ["staff.login", "dashboard.export", "staff.logout"]
    assert entries[-2].details == {"view": "progress", "language": "es"}


def test_the_language_follows_the_browser_and_the_switch(coordinator):
    page = coordinator.get("/dashboard/", headers={"Accept-Language": "es-PA,es;q=0.9"})
    assert '<html lang="es">' in page.get_data(as_text=True)
    page = coordinator.get("/dashboard/", headers={"Accept-Language": "en-US"})
    assert '<html lang="en">' in page.get_data(as_text=True)
    switched = coordinator.get("/staff/language/es?next=/dashboard/quiz")
    assert switched.headers["Location"] == "/dashboard/quiz"
    page = coordinator.get("/dashboard/quiz", headers={"Accept-Language": "en-US"})
    assert '<html lang="es">' in page.get_data(as_text=True)
    assert coordinator.get("/staff/language/xx").status_code == 404


def _token(client) -> str:  # type: ignore[no-untyped-def]
    return _token_in(client.get("/dashboard/").get_data(as_text=True))


def _token_in(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_staff_land_on_their_home_page_without_the_statistics_link(client):
    response = log_in(client, USERS["staff"], PASSWORD)
    # Staff land on their first page, the broadcasts; statistics are not theirs.
    assert response.headers["Location"] == "/broadcasts/"
    for page in ("/broadcasts/", "/staff/"):
        home = client.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
        assert "/dashboard/" not in home
