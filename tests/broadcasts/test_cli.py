"""`lessonbot broadcast create|preview|send|status`, scriptable with --json."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from bot.broadcasts.models import Broadcast, BroadcastStatus
from bot.cli import main
from bot.staff.models import AuditLog
from tests.broadcasts.builders import add_learner


def run(settings, monkeypatch, *args: str):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LESSONBOT_DATABASE_URL", settings.app.database_url)
    return CliRunner().invoke(main, ["broadcast", *args])


def test_create_preview_send_and_follow_from_the_command_line(
    settings, monkeypatch, db_session, people
):
    for language in ("es", "es", "en"):
        add_learner(db_session, settings, language=language)
    db_session.commit()

    created = run(
        settings,
        monkeypatch,
        "create",
        "--as",
        "author@example.org",
        "--json",
        "--text",
        "es=Hola {first_name}, taller el sábado.",
        "--name-fallback",
        "es=amiga",
        "--text",
        "en=Hi, workshop on Saturday.",
    )
    assert created.exit_code == 0, created.output
    draft = json.loads(created.output)
    assert (draft["status"], draft["recipients"], draft["errors"]) == ("draft", 3, [])

    shown = json.loads(run(settings, monkeypatch, "preview", str(draft["id"]), "--json").output)
    sms = next(r for r in shown["renditions"] if (r["language"], r["route"]) == ("es", "sms"))
    assert (sms["text"], sms["encoding"], sms["segments"], sms["recipients"]) == (
        "Hola amiga, taller el sabado.",  # Spanish SMS go accent-free
        "GSM-7",
        1,
        2,
    )
    assert shown["estimated_cost"] == 0.15

    sent = run(
        settings, monkeypatch, "send", str(draft["id"]), "--as", "author@example.org", "--json"
    )
    assert json.loads(sent.output)["status"] == "scheduled"
    status = json.loads(run(settings, monkeypatch, "status", str(draft["id"]), "--json").output)
    assert (status["status"], status["counts"]) == ("scheduled", None)
    db_session.expire_all()
    assert db_session.get(Broadcast, draft["id"]).status == BroadcastStatus.SCHEDULED
    actions = db_session.scalars(select(AuditLog.action).where(AuditLog.action.like("broadcast.%")))
    assert list(actions) == ["broadcast.create", "broadcast.send"]


def test_errors_name_their_fields_and_exit_with_2(settings, monkeypatch, people):
    created = run(
        settings,
        monkeypatch,
        "create",
        "--as",
        "author@example.org",
        "--json",
        "--text",
        "es=Hola {nombre}",
    )
    assert created.exit_code == 2
    fields = {error["field"] for error in json.loads(created.output)["errors"]}
    assert fields == {"text_es", "audience"}
    past = run(
        settings,
        monkeypatch,
        "send",
        "1",
        "--as",
        "author@example.org",
        "--at",
        "2020-01-01T09:00",
        "--json",
    )
    assert past.exit_code == 2
    assert {e["field"] for e in json.loads(past.output)["errors"]} == {
        "text_es",
        "audience",
        "send_at",
    }


def test_a_coordinator_cannot_broadcast_from_the_command_line(settings, monkeypatch, people):
    result = run(
        settings, monkeypatch, "create", "--as", "coordinator@example.org", "--text", "es=Hola"
    )
    assert result.exit_code == 1
    assert "not an active staff or admin account" in result.output
