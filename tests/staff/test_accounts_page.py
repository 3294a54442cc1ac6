"""Staff accounts from the browser: invite, join by the link, change a role, (de)activate.

Admins only; every change audited; a link works once and expires; the last
active admin can neither lose the role nor be deactivated; bad input is
named next to its field.
"""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from bot.cli import main
from bot.staff.accounts import password_matches
from bot.staff.models import AuditLog, StaffInvitation, StaffUser
from tests.dashboard.conftest import PASSWORD, USERS
from tests.dashboard.pages import log_in

EN = {"Accept-Language": "en"}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_LINK = re.compile(r'<code class="invitation-link">([^<]+)</code>')
NEW_PASSWORD = "a brand new long secret"


def logged_in(client, role: str = "admin"):  # type: ignore[no-untyped-def]
    assert log_in(client, USERS[role], PASSWORD).status_code == 302
    return client


def token(client, page: str = "/staff/users/") -> str:  # type: ignore[no-untyped-def]
    found = _TOKEN.search(client.get(page).get_data(as_text=True))
    assert found
    return found.group(1)


def user(db_session, email: str) -> StaffUser | None:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return db_session.scalar(select(StaffUser).where(StaffUser.email == email))


def last_audit(db_session) -> AuditLog:  # type: ignore[no-untyped-def]
    entry = db_session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert entry is not None
    return entry


def invite(client, email: str, role: str = "staff"):  # type: ignore[no-untyped-def]
    form = {"csrf_token": token(client), "email": email, "role": role}
    return client.post("/staff/users/invite", data=form, headers=EN)


def link_path(response) -> str:  # type: ignore[no-untyped-def]
    found = _LINK.search(response.get_data(as_text=True))
    assert found, "the page shows the invitation link"
    return "/" + found.group(1).split("/", 3)[3]


@pytest.mark.parametrize(
    "path", ["/staff/users/invite", "/staff/users/1/role", "/staff/users/1/deactivate"]
)
@pytest.mark.parametrize("role", ["staff", "coordinator"])
def test_only_admins_manage_accounts(client, role, path):
    logged_in(client, role)
    assert (
        client.post(path, data={"csrf_token": token(client, "/staff/password")}).status_code == 403
    )
    assert client.get("/staff/users/").status_code == 403


def test_an_invitation_is_shown_once_used_once_and_audited(client, db_session):
    logged_in(client)
    page = invite(client, "New.Person@Example.org", "coordinator")
    assert page.status_code == 200
    path = link_path(page)
    secret = path.rsplit("/", 1)[-1]
    stored = db_session.scalar(select(StaffInvitation))
    assert stored.email == "new.person@example.org" and stored.role == "coordinator"
    assert secret not in stored.token_hash  # only the hash is kept
    entry = last_audit(db_session)
    assert entry.action == "staff_invitation.create" and secret not in str(entry.details)

    client.post("/staff/logout", data={"csrf_token": token(client)})
    form_page = client.get(path, headers=EN)
    assert "new.person@example.org" in form_page.get_data(as_text=True)
    csrf = _TOKEN.search(form_page.get_data(as_text=True)).group(1)

    differ = client.post(
        path,
        data={"csrf_token": csrf, "password": NEW_PASSWORD, "confirmation": "something else"},
        headers=EN,
    )
    assert differ.status_code == 400
    assert 'id="confirmation-error"' in differ.get_data(as_text=True)
    short = client.post(
        path, data={"csrf_token": csrf, "password": "short", "confirmation": "short"}, headers=EN
    )
    assert short.status_code == 400 and "at least 12 characters" in short.get_data(as_text=True)
    assert user(db_session, "new.person@example.org") is None

    joined = client.post(
        path,
        data={"csrf_token": csrf, "password": NEW_PASSWORD, "confirmation": NEW_PASSWORD},
        headers=EN,
    )
    assert joined.status_code == 200 and "is ready" in joined.get_data(as_text=True)
    account = user(db_session, "new.person@example.org")
    assert account is not None and account.role == "coordinator"
    assert password_matches(account.password_hash, NEW_PASSWORD)
    assert last_audit(db_session).action == "staff_invitation.accept"
    assert log_in(client, "new.person@example.org", NEW_PASSWORD).status_code == 302

    again = client.get(path, headers=EN)
    assert again.status_code == 410 and "Ask an admin" in again.get_data(as_text=True)


def test_an_expired_or_made_up_link_is_refused(client, db_session):
    logged_in(client)
    path = link_path(invite(client, "late@example.org"))
    db_session.execute(update(StaffInvitation).values(expires_at=StaffInvitation.created_at))
    db_session.commit()
    assert client.get(path).status_code == 410
    assert client.get("/staff/invitation/made-up-token").status_code == 410


def test_a_new_invitation_replaces_the_unused_one(client, db_session):
    logged_in(client)
    first = link_path(invite(client, "twice@example.org"))
    second = link_path(invite(client, "twice@example.org"))
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


@pytest.mark.parametrize(
    ("email", "role", "field", "message"),
    [
        ("not an email", "staff", "invite_email", "Type an email address"),
        (USERS["staff"], "staff", "invite_email", "exists already"),
        ("ok@example.org", "boss", "invite_role", "Choose a role"),
    ],
)
def test_bad_invitations_are_named_next_to_the_field(client, email, role, field, message):
    response = invite(logged_in(client), email, role)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert f'id="{field.replace("_", "-")}-error"' in text and message in text
    assert f'value="{email}"' in text  # what was typed stays


def test_a_role_change_is_audited_and_takes_effect(client, app, db_session):
    staff = user(db_session, USERS["staff"])
    other = app.test_client()
    logged_in(other, "staff")
    assert other.get("/tags/").status_code == 200

    logged_in(client)
    response = client.post(
        f"/staff/users/{staff.id}/role", data={"csrf_token": token(client), "role": "coordinator"}
    )
    assert response.status_code == 303
    assert user(db_session, USERS["staff"]).role == "coordinator"
    entry = last_audit(db_session)
    assert entry.action == "staff_user.set_role"
    assert entry.details == {"email": USERS["staff"], "from": "staff", "to": "coordinator"}
    assert other.get("/tags/").status_code == 403  # at the next request


def test_the_last_admin_keeps_the_role_and_stays_active(client, db_session):
    admin = user(db_session, USERS["admin"])
    logged_in(client)
    demoted = client.post(
        f"/staff/users/{admin.id}/role",
        data={"csrf_token": token(client), "role": "staff"},
        headers=EN,
    )
    assert demoted.status_code == 400
    assert "must stay an admin" in demoted.get_data(as_text=True)
    closed = client.post(
        f"/staff/users/{admin.id}/deactivate", data={"csrf_token": token(client)}, headers=EN
    )
    assert closed.status_code == 400
    found = user(db_session, USERS["admin"])
    assert (found.role, found.active) == ("admin", True)


def test_deactivation_ends_the_sessions_and_reactivation_lets_them_in(client, app, db_session):
    coordinator = user(db_session, USERS["coordinator"])
    other = app.test_client()
    logged_in(other, "coordinator")
    assert other.get("/dashboard/").status_code == 200

    logged_in(client)
    client.post(f"/staff/users/{coordinator.id}/deactivate", data={"csrf_token": token(client)})
    assert user(db_session, USERS["coordinator"]).active is False
    assert other.get("/dashboard/").status_code == 302  # sent to log in
    assert log_in(other, USERS["coordinator"], PASSWORD).status_code != 302

    client.post(f"/staff/users/{coordinator.id}/reactivate", data={"csrf_token": token(client)})
    assert user(db_session, USERS["coordinator"]).active is True
    assert log_in(other, USERS["coordinator"], PASSWORD).status_code == 302
    actions = list(db_session.scalars(select(AuditLog.action)))
    assert "staff_user.deactivate" in actions and "staff_user.activate" in actions


def run(settings, monkeypatch, *args: str):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LESSONBOT_DATABASE_URL", settings.app.database_url)
    monkeypatch.setenv("LESSONBOT_PUBLIC_URL", "https://lessonbot.example.org")
    return CliRunner().invoke(main, ["users", *args])


def test_the_command_line_invites_sets_roles_and_reactivates(settings, monkeypatch, db_session):
    invited = run(settings, monkeypatch, "invite", "--email", "cli@example.org", "--role", "staff")
    assert invited.exit_code == 0, invited.output
    link = invited.output.strip().splitlines()[-1]
    assert link.startswith("https://lessonbot.example.org/staff/invitation/")

    changed = run(settings, monkeypatch, "set-role", "--email", USERS["staff"], "--role", "admin")
    assert changed.exit_code == 0 and "is now admin" in changed.output
    assert user(db_session, USERS["staff"]).role == "admin"

    assert run(settings, monkeypatch, "deactivate", "--email", USERS["staff"]).exit_code == 0
    assert run(settings, monkeypatch, "reactivate", "--email", USERS["staff"]).exit_code == 0
    assert user(db_session, USERS["staff"]).active is True
    # Two admins now: one can go; then the other is the last.
    assert run(settings, monkeypatch, "deactivate", "--email", USERS["admin"]).exit_code == 0
    last = run(settings, monkeypatch, "deactivate", "--email", USERS["staff"])
    assert last.exit_code != 0 and "last active admin" in last.output


def test_an_invitation_for_an_existing_account_is_refused_by_the_command(settings, monkeypatch):
    result = run(settings, monkeypatch, "invite", "--email", USERS["admin"], "--role", "staff")
    assert result.exit_code != 0 and "exists already" in result.output
