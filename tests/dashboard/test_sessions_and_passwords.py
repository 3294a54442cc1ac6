"""Sessions end on the server; passwords: change one's own, an admin's reset, the CLI."""

from __future__ import annotations

import re

from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.staff.accounts import password_matches
from bot.staff.models import AuditLog, StaffUser
from tests.dashboard.conftest import PASSWORD, USERS
from tests.dashboard.pages import log_in

NEW_PASSWORD = "a brand new long secret"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _token(client, path: str = "/staff/") -> str:  # type: ignore[no-untyped-def]
    client.get("/staff/language/en")  # the pages default to Spanish; the tests read English
    found = _TOKEN.search(client.get(path).get_data(as_text=True))
    assert found
    return found.group(1)


def _cookie(client) -> str:  # type: ignore[no-untyped-def]
    cookie = client.get_cookie("lessonbot_session")
    assert cookie is not None
    return str(cookie.value)


def _user(db_session, role: str) -> StaffUser:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return db_session.scalar(select(StaffUser).where(StaffUser.email == USERS[role]))


def test_a_cookie_replayed_after_log_out_is_sent_to_the_log_in_page(app, coordinator):
    stolen = _cookie(coordinator)
    coordinator.post("/staff/logout", data={"csrf_token": _token(coordinator)})
    replay = app.test_client()
    replay.set_cookie("lessonbot_session", stolen)
    response = replay.get("/dashboard/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login")


def test_changing_ones_password_ends_the_accounts_other_sessions(app, coordinator, db_session):
    other = app.test_client()
    assert log_in(other, USERS["coordinator"], PASSWORD).status_code == 302
    form = {
        "csrf_token": _token(coordinator),
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    }
    page = coordinator.post("/staff/password", data=form)
    assert page.status_code == 200
    assert "Your password was changed" in page.get_data(as_text=True)
    assert coordinator.get("/dashboard/").status_code == 200  # this browser stays in
    assert other.get("/dashboard/").status_code == 302  # the other one is out
    assert password_matches(_user(db_session, "coordinator").password_hash, NEW_PASSWORD)
    assert log_in(app.test_client(), USERS["coordinator"], PASSWORD).status_code == 401


def test_a_password_change_names_what_is_wrong(coordinator, db_session):
    base = {"csrf_token": _token(coordinator), "current_password": PASSWORD}
    cases = [
        ({"current_password": "not it at all!"}, "The current password is wrong."),
        ({"new_password": "short", "confirm_password": "short"}, "at least 12 characters"),
        ({"new_password": NEW_PASSWORD, "confirm_password": "other"}, "are not the same"),
    ]
    for change, message in cases:
        form = {"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD} | base | change
        page = coordinator.post("/staff/password", data=form)
        assert page.status_code == 400
        assert message in page.get_data(as_text=True)
    assert password_matches(_user(db_session, "coordinator").password_hash, PASSWORD)
    without_token = {k: v for k, v in base.items() if k != "csrf_token"}
    assert coordinator.post("/staff/password", data=without_token).status_code == 400


def test_an_admins_reset_gives_a_one_time_password_to_replace_at_log_in(app, client, db_session):
    victim = app.test_client()
    assert log_in(victim, USERS["coordinator"], PASSWORD).status_code == 302
    assert log_in(client, USERS["admin"], PASSWORD).status_code == 302
    coordinator_id = _user(db_session, "coordinator").id
    page = client.post(
        f"/staff/users/{coordinator_id}/reset-password",
        data={"csrf_token": _token(client, "/staff/users/")},
    )
    html = page.get_data(as_text=True)
    one_time = re.search(r'class="one-time-password">([^<]+)<', html)
    assert page.status_code == 200 and one_time
    assert victim.get("/dashboard/").status_code == 302  # signed out everywhere
    assert log_in(app.test_client(), USERS["coordinator"], PASSWORD).status_code == 401
    person = app.test_client()
    landed = log_in(person, USERS["coordinator"], one_time.group(1))
    assert landed.headers["Location"] == "/staff/password"
    # Nothing else opens until a new password is chosen.
    assert person.get("/dashboard/").headers["Location"] == "/staff/password"
    form = {
        "csrf_token": _token(person, "/staff/password"),
        "current_password": one_time.group(1),
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    }
    assert person.post("/staff/password", data=form).status_code == 200
    assert person.get("/dashboard/").status_code == 200
    actions = db_session.scalars(select(AuditLog.action)).all()
    assert "staff_user.reset_password" in actions


def test_only_admins_reach_the_users_page(app, coordinator):
    assert coordinator.get("/staff/users/").status_code == 403
    admin = app.test_client()
    log_in(admin, USERS["admin"], PASSWORD)
    page = admin.get("/staff/users/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert USERS["coordinator"] in page and "Reset password" in page


def test_set_password_from_the_command_line_asks_twice(app, settings, monkeypatch, db_session):
    signed_in = app.test_client()
    log_in(signed_in, USERS["staff"], PASSWORD)
    monkeypatch.setenv("LESSONBOT_DATABASE_URL", settings.app.database_url)
    command = ["users", "set-password", "--email", USERS["staff"]]
    mismatch = CliRunner().invoke(main, command, input=f"{NEW_PASSWORD}\nother\n")
    assert mismatch.exit_code != 0
    short = CliRunner().invoke(main, command, input="short\nshort\n")
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    result = CliRunner().invoke(main, command, input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "1 session(s) signed out" in result.output
    assert password_matches(_user(db_session, "staff").password_hash, NEW_PASSWORD)
    assert signed_in.get("/staff/").status_code == 302
    unknown = CliRunner().invoke(main, ["users", "set-password", "--email", "x@example.org",
                                        "--password-stdin"], input=f"{NEW_PASSWORD}\n")  # fmt: skip
    assert unknown.exit_code != 0 and "no account for x@example.org" in unknown.output


def test_a_session_ends_on_the_server_twelve_hours_after_log_in(app, coordinator):
    from datetime import timedelta

    from bot.services import services
    from tests.dashboard.seed import NOW

    services(app).clock = lambda: NOW + timedelta(hours=11, minutes=59)
    assert coordinator.get("/dashboard/").status_code == 200
    services(app).clock = lambda: NOW + timedelta(hours=12, minutes=1)
    assert coordinator.get("/dashboard/").status_code == 302
