"""`lessonbot users`: the first admin from the command line, audited."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.staff.accounts import password_matches
from bot.staff.models import AuditLog, StaffUser


def run(settings, monkeypatch, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LESSONBOT_DATABASE_URL", settings.app.database_url)
    return CliRunner().invoke(main, ["users", *args], input=stdin)


def test_create_an_admin_with_the_password_from_stdin(settings, monkeypatch, db_session):
    result = run(
        settings,
        monkeypatch,
        *("create", "--email", "Boss@Example.org", "--role", "admin", "--password-stdin"),
        stdin="a long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(StaffUser).where(StaffUser.email == "boss@example.org"))
    assert user is not None and user.role == "admin" and user.active
    assert user.password_hash.startswith("$argon2id$")
    assert password_matches(user.password_hash, "a long enough secret")
    entry = db_session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert entry.action == "staff_user.create" and entry.staff_user_id is None
    assert entry.details == {"email": "boss@example.org", "role": "admin"}


def test_the_password_is_asked_twice(settings, monkeypatch):
    answers = "a long enough secret\na long enough secret\n"
    result = run(settings, monkeypatch, "create", "--email", "c@example.org", "--role",
                 "coordinator", stdin=answers)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "created coordinator account c@example.org" in result.output


def test_bad_input_is_refused_with_a_reason(settings, monkeypatch):
    short = run(settings, monkeypatch, "create", "--email", "d@example.org", "--role", "staff",
                "--password-stdin", stdin="short\n")  # fmt: skip
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    twice = run(settings, monkeypatch, "create", "--email", "coord@example.org", "--role",
                "staff", "--password-stdin", stdin="a long enough secret\n")  # fmt: skip
    assert twice.exit_code != 0 and "exists already" in twice.output
    role = run(settings, monkeypatch, "create", "--email", "e@example.org", "--role", "boss")
    assert role.exit_code != 0


def test_list_and_deactivate(settings, monkeypatch, db_session):
    listed = run(settings, monkeypatch, "list")
    assert "coord@example.org\tcoordinator\tactive" in listed.output
    assert run(settings, monkeypatch, "deactivate", "--email", "coord@example.org").exit_code == 0
    user = db_session.scalar(select(StaffUser).where(StaffUser.email == "coord@example.org"))
    assert user.active is False
