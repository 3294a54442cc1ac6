"""`lessonbot inbox`: list (and --json), show, reply, close; audited as the command line."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.clock import utc_now
from bot.db import make_engine, make_session_factory
from bot.inbox.models import Conversation, ConversationStatus
from bot.models import OutboxMessage
from bot.staff.models import AuditLog
from bot.vocab import OutboxKind
from tests.inbox.seed import NUMBERS, Seeded, seed_inbox


@pytest.fixture
def live_inbox(settings) -> dict[str, Seeded]:  # type: ignore[no-untyped-def]
    """The three conversations, timed from the real clock (the command line reads it)."""
    engine = make_engine(settings.app.database_url)
    try:
        with make_session_factory(engine)() as session:
            return seed_inbox(session, settings, now=utc_now())
    finally:
        engine.dispose()


def run(settings, monkeypatch, *args: str):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LESSONBOT_DATABASE_URL", settings.app.database_url)
    return CliRunner().invoke(main, ["inbox", *args])


def test_list_as_json_has_each_conversation_longest_waiting_first(
    settings, monkeypatch, live_inbox
):  # type: ignore[no-untyped-def]
    result = run(settings, monkeypatch, "list", "--json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    assert [item["learner"] for item in items] == ["Linbox2wa", "Linbox0sms", "Linbox1wa"]
    first = items[0]
    assert {"id", "learner", "language", "channel", "waiting_since"} <= set(first)
    assert first["id"] == live_inbox["Linbox2wa"].conversation
    assert (first["language"], first["channel"]) == ("fr", "whatsapp")
    assert first["waiting_since"].endswith("+00:00")
    plain = run(settings, monkeypatch, "list").output.splitlines()
    assert [line.split("\t")[1] for line in plain] == ["Linbox2wa", "Linbox0sms", "Linbox1wa"]
    assert not [number for number in NUMBERS if number[4:] in result.output + "".join(plain)]


def test_show_prints_the_messages_without_the_number_and_is_audited(
    settings, monkeypatch, live_inbox, db_session
):  # type: ignore[no-untyped-def]
    conversation = live_inbox["Linbox0sms"].conversation
    result = run(settings, monkeypatch, "show", str(conversation))
    assert result.exit_code == 0, result.output
    assert f"conversation {conversation} (open) with Linbox0sms" in result.output
    assert "learner  Hola, ¿dónde recojo mi certificado?" in result.output
    assert "61234567" not in result.output
    entry = db_session.scalars(select(AuditLog).where(AuditLog.action == "inbox.view")).one()
    assert entry.staff_user_id is None
    assert entry.details == {"conversation": conversation, "learner": "Linbox0sms"}


def test_each_reply_call_is_a_new_reply_and_close_ends_the_conversation(
    settings, monkeypatch, live_inbox, db_session
):  # type: ignore[no-untyped-def]
    conversation = live_inbox["Linbox1wa"].conversation
    for text in ("Bonjou, n ap gade sa.", "Bonjou, n ap gade sa."):
        result = run(settings, monkeypatch, "reply", str(conversation), text)
        assert result.exit_code == 0, result.output
    bodies = db_session.scalars(
        select(OutboxMessage.body).where(OutboxMessage.kind == OutboxKind.STAFF_REPLY)
    ).all()
    assert bodies == ["Bonjou, n ap gade sa.", "Bonjou, n ap gade sa."]

    assert run(settings, monkeypatch, "close", str(conversation)).exit_code == 0
    db_session.expire_all()
    assert db_session.get(Conversation, conversation).status == ConversationStatus.CLOSED
    actions = db_session.scalars(
        select(AuditLog.action).where(AuditLog.staff_user_id.is_(None))
    ).all()
    assert actions.count("inbox.reply") == 2 and "inbox.close" in actions


@pytest.mark.parametrize(
    ("case", "args", "field"),
    [
        ("empty reply", ("reply", "{sms}", "   "), "reply"),
        ("too long", ("reply", "{sms}", "x" * 1601), "reply"),
        ("closed window", ("reply", "{closed}", "Bonjour"), "reply"),
        ("unknown", ("reply", "999", "Hola"), "conversation"),
        ("close unknown", ("close", "999"), "conversation"),
    ],
)
def test_errors_name_the_field_and_exit_with_2(
    settings, monkeypatch, live_inbox, db_session, case, args, field
):  # type: ignore[no-untyped-def]
    ids = {
        "sms": live_inbox["Linbox0sms"].conversation,
        "closed": live_inbox["Linbox2wa"].conversation,
    }
    result = run(settings, monkeypatch, *(arg.format(**ids) for arg in args))
    assert result.exit_code == 2, case
    assert f"error: {field}: " in result.output, case
    assert db_session.scalars(select(OutboxMessage.kind)).all().count(OutboxKind.STAFF_REPLY) == 0


def test_a_closed_conversation_cannot_be_answered_or_closed_again(
    settings, monkeypatch, live_inbox
):  # type: ignore[no-untyped-def]
    conversation = str(live_inbox["Linbox0sms"].conversation)
    assert run(settings, monkeypatch, "close", conversation).exit_code == 0
    again = run(settings, monkeypatch, "close", conversation)
    late = run(settings, monkeypatch, "reply", conversation, "Hola")
    assert again.exit_code == late.exit_code == 2
    assert "error: conversation: this conversation is closed" in late.output
