"""The email to staff when a conversation opens, sent to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import logging
import socket
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from sqlalchemy import select

from bot.inbox import conversations
from bot.inbox.models import Conversation, OpenedBy
from bot.services import Services
from bot.settings import Settings
from scheduler.main import JOBS, run_job
from tests.builders import add_inbound, add_learner

NOW = datetime(2026, 3, 2, 15, 0)  # a Monday, 10:00 in Panama
NUMBER = "+50761234567"
TEXT = "mi patrón no me paga desde marzo"


class Inbox:
    """What the SMTP server accepted; ``refuse`` makes it answer the data with that reply."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.logins: list[tuple[bytes, bytes]] = []
        self.refuse: str | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        self.logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"the right password")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MailServer:
    def __init__(self, port: int, refuse: str | None = None) -> None:
        self.inbox = Inbox()
        self.inbox.refuse = refuse
        # Log-in without TLS: a test on loopback (the settings offer STARTTLS for real servers).
        self.controller = Controller(
            self.inbox,
            hostname="127.0.0.1",
            port=port,
            authenticator=self.inbox.authenticate,
            auth_require_tls=False,
        )

    def __enter__(self) -> Inbox:
        self.controller.start()
        return self.inbox

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def settings(settings: Settings, port: int) -> Settings:
    return settings.with_overrides(
        {
            "inbox.notify_email": "equipo@ong.example.org",
            "inbox.smtp_host": "127.0.0.1",
            "inbox.smtp_port": port,
            "inbox.smtp_sender": "lessonbot@ong.example.org",
            "languages.default": "es",
        }
    )


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    made = Services.for_settings(settings, clock=lambda: NOW)
    yield made
    made.close()


def run_email_job(services: Services) -> None:
    """One run of the scheduler's job, as the scheduler runs it."""
    body = next(body for job_id, body, _ in JOBS if job_id == "notify_opened_conversations")
    run_job("notify_opened_conversations", body, services)


def open_hand_off(db_session, settings: Settings, number: str = NUMBER) -> Conversation:  # type: ignore[no-untyped-def]
    learner = add_learner(db_session, settings, number=number, channel="whatsapp", language="ht")
    add_inbound(db_session, learner, TEXT)
    opened = conversations.open_for_learner(db_session, learner.id, OpenedBy.LEARNER, NOW, settings)
    db_session.commit()
    return opened.conversation


def notified_at(db_session, conversation_id: int) -> datetime | None:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return db_session.scalar(select(Conversation.notified_at).filter_by(id=conversation_id))


def test_an_opened_conversation_is_emailed_with_its_id_pseudonym_and_link_only(
    db_session, settings, services, port
) -> None:
    conversation = open_hand_off(db_session, settings)
    public_id = conversation.learner.public_id

    with MailServer(port) as inbox:
        run_email_job(services)

    assert len(inbox.messages) == 1
    message = inbox.messages[0]
    assert message["To"] == "equipo@ong.example.org"
    assert message["From"] == "lessonbot@ong.example.org"
    assert str(conversation.id) in message["Subject"]
    body = message.get_payload(decode=True).decode()
    assert f"Conversación: {conversation.id}" in body
    assert f"Participante: {public_id}" in body
    assert "Idioma: ht" in body
    assert "Canal: whatsapp" in body
    assert f"https://lessonbot.example.org/inbox/{conversation.id}" in body
    whole = message.as_string()
    assert NUMBER not in whole and NUMBER[1:] not in whole and "61234567" not in whole
    assert TEXT not in whole and "patrón" not in whole
    assert notified_at(db_session, conversation.id) == NOW


def test_with_the_server_down_nothing_is_marked_and_the_next_run_sends_it(
    db_session, settings, services, port, caplog
) -> None:
    conversation = open_hand_off(db_session, settings)

    with caplog.at_level(logging.INFO):
        run_email_job(services)  # nothing listens on the port: refused

    assert notified_at(db_session, conversation.id) is None
    failure = [r.getMessage() for r in caplog.records if "not sent" in r.getMessage()]
    assert failure == [
        f"inbox email for conversation {conversation.id} not sent"
        " (ConnectionRefusedError); tried again next run"
    ]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "61234567" not in logged and TEXT not in logged
    assert conversation.learner.public_id not in logged

    later = NOW + timedelta(minutes=1)
    services.clock = lambda: later
    with MailServer(port) as inbox:
        run_email_job(services)

    assert len(inbox.messages) == 1
    assert notified_at(db_session, conversation.id) == later


def test_two_runs_send_one_email_per_conversation(db_session, settings, services, port) -> None:
    first = open_hand_off(db_session, settings)
    second = open_hand_off(db_session, settings, number="+50769876543")

    with MailServer(port) as inbox:
        run_email_job(services)
        run_email_job(services)

    subjects = sorted(str(message["Subject"]) for message in inbox.messages)
    assert len(subjects) == 2
    assert str(first.id) in subjects[0] and str(second.id) in subjects[1]


def test_no_email_when_no_address_is_set(db_session, settings, port) -> None:
    quiet = settings.with_overrides({"inbox.notify_email": ""})
    conversation = open_hand_off(db_session, quiet)
    made = Services.for_settings(quiet, clock=lambda: NOW)
    try:
        with MailServer(port) as inbox:
            run_email_job(made)
    finally:
        made.close()

    assert inbox.messages == []
    assert notified_at(db_session, conversation.id) is None


def test_a_message_the_server_refuses_is_not_marked_and_the_log_says_its_code(
    db_session, settings, services, port, caplog
) -> None:
    conversation = open_hand_off(db_session, settings)

    with caplog.at_level(logging.WARNING), MailServer(port, refuse="554 5.7.1 refused") as inbox:
        run_email_job(services)

    assert inbox.messages == []
    assert notified_at(db_session, conversation.id) is None
    assert [record.getMessage() for record in caplog.records] == [
        f"inbox email for conversation {conversation.id} not sent (SMTP 554); tried again next run"
    ]


def test_the_sender_logs_in_with_the_configured_account(db_session, settings, port) -> None:
    account = settings.with_overrides(
        {"inbox.smtp_user": "lessonbot", "inbox.smtp_password": "the right password"}
    )
    wrong = account.with_overrides({"inbox.smtp_password": "a wrong one"})
    conversation = open_hand_off(db_session, account)

    for chosen in (wrong, account):
        made = Services.for_settings(chosen, clock=lambda: NOW)
        try:
            with MailServer(port) as inbox:
                run_email_job(made)
        finally:
            made.close()
        delivered = len(inbox.messages)
        assert (notified_at(db_session, conversation.id) is not None) == (delivered == 1)

    assert inbox.logins == [(b"lessonbot", b"the right password")]
    assert delivered == 1
