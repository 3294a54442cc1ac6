"""The email to those who may approve a waiting broadcast, sent to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from email.header import decode_header, make_header

import pytest
from sqlalchemy import select

from bot.broadcasts import lifecycle, queueing
from bot.broadcasts.models import Broadcast, BroadcastStatus
from bot.services import Services
from bot.settings import Settings
from scheduler.main import JOBS, run_job
from tests.broadcasts.builders import NOW, add_learner, make_broadcast
from tests.inbox.test_notify_email import MailServer, free_port

LATER = NOW + timedelta(hours=2)


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def strict(settings: Settings, port: int) -> Settings:
    return settings.with_overrides(
        {
            "broadcasts.approval_threshold": 2,
            "inbox.smtp_host": "127.0.0.1",
            "inbox.smtp_port": port,
            "inbox.smtp_sender": "lessonbot@ong.example.org",
            "languages.default": "es",
        }
    )


@pytest.fixture
def services(strict: Settings) -> Iterator[Services]:
    made = Services.for_settings(strict, clock=lambda: NOW)
    yield made
    made.close()


def run_email_job(services: Services) -> None:
    body = next(body for job_id, body, _ in JOBS if job_id == "email_approvers")
    run_job("email_approvers", body, services)


def waiting_broadcast(db_session, strict, people) -> Broadcast:  # type: ignore[no-untyped-def]
    for _ in range(3):
        add_learner(db_session, strict)
    broadcast = make_broadcast(db_session, people["author"])
    broadcast.title = "Feria de emprendimiento"
    lifecycle.request_send(db_session, broadcast, people["author"].id, LATER, strict, NOW)
    db_session.commit()
    assert broadcast.status == BroadcastStatus.AWAITING_APPROVAL
    return broadcast


def emailed_at(db_session, broadcast_id: int):  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return db_session.scalar(select(Broadcast.approval_emailed_at).filter_by(id=broadcast_id))


def test_the_approvers_get_one_email_with_the_broadcast_and_its_link(
    db_session, strict, services, people, port
):
    broadcast = waiting_broadcast(db_session, strict, people)

    with MailServer(port) as inbox:
        run_email_job(services)
        run_email_job(services)  # once per wait, however often the job runs

    (message,) = inbox.messages
    # Staff and admins who may approve: not the author, not the coordinator.
    assert message["To"] == "admin@example.org, colleague@example.org"
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject == f"La difusión {broadcast.id} espera su aprobación"
    body = message.get_payload(decode=True).decode()
    assert f"Difusión: {broadcast.id} Feria de emprendimiento" in body
    assert "Destinatarios: 3" in body and "Pedida por: author@example.org" in body
    assert f"https://lessonbot.example.org/broadcasts/{broadcast.id}" in body
    assert emailed_at(db_session, broadcast.id) == NOW


def test_a_server_that_refuses_leaves_it_for_the_next_run(
    db_session, strict, services, people, port
):
    broadcast = waiting_broadcast(db_session, strict, people)
    with MailServer(port, refuse="451 try again later") as inbox:
        run_email_job(services)
    assert inbox.messages == [] and emailed_at(db_session, broadcast.id) is None
    with MailServer(port) as inbox:
        run_email_job(services)
    assert len(inbox.messages) == 1 and emailed_at(db_session, broadcast.id) == NOW


def test_a_broadcast_held_again_at_start_asks_again(
    db_session, strict, sessions, services, people, port
):
    broadcast = waiting_broadcast(db_session, strict, people)
    with MailServer(port) as inbox:
        run_email_job(services)
        lifecycle.approve(db_session, broadcast, people["colleague"].id, strict, NOW)
        db_session.commit()
        add_learner(db_session, strict)  # the segment grows before it starts
        db_session.commit()
        queueing.run(sessions, strict, LATER + timedelta(minutes=1))
        db_session.expire_all()
        assert db_session.get(Broadcast, broadcast.id).status == BroadcastStatus.AWAITING_APPROVAL
        run_email_job(services)
    assert len(inbox.messages) == 2


def test_without_an_smtp_server_nothing_is_sent_and_nothing_marked(db_session, settings, people):
    quiet = settings.with_overrides({"broadcasts.approval_threshold": 2})
    broadcast = waiting_broadcast(db_session, quiet, people)
    made = Services.for_settings(quiet, clock=lambda: NOW)
    try:
        run_email_job(made)
    finally:
        made.close()
    assert emailed_at(db_session, broadcast.id) is None
