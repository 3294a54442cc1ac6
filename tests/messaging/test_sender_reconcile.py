"""A sender that died after Twilio took a message: the row is not sent twice.

The worker is "killed" the way a real kill leaves things: its claim (and the
row's hand-off mark) is committed, its POST reached Twilio, and the answer is
never recorded; the lease then ends and another sender claims the row. Twilio
is a loopback stand-in at the HTTP edge that keeps the messages it took and
lists them as Twilio does (``GET Messages.json?To=``, newest first).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.messaging.channels.twilio import TwilioChannel
from bot.messaging.sender import Sender
from bot.models import OutboxMessage
from bot.settings import MIN_SENDER_LEASE_SECONDS, Settings
from bot.vocab import OutboxStatus
from tests.builders import NOW, add_learner, add_outbox, new_sid
from tests.fakes import Answer, Recorded, StandInServer

ACCOUNT_SID = "AC" + "a1" * 16
SERVICE_SID = "MG" + "b2" * 16
NUMBER = "+50761234567"


class Twilio:
    """Takes messages (stamped with the test's clock) and lists them, newest first."""

    def __init__(self) -> None:
        self.clock = NOW
        self.messages: list[dict[str, Any]] = []
        self.list_fails = False
        self.fail_after_taking = False  # a 500 for a message Twilio took all the same
        self.answer_delay = 0.0  # seconds before answering a POST: time to "kill" the sender
        self.take_late = False  # a slow Twilio: the message is taken only at the answer
        self.taken = threading.Event()
        self.answered = threading.Event()

    def __call__(self, request: Recorded) -> Answer:
        if request.method == "POST":
            form = request.form()
            message = {
                "sid": new_sid("SM"),
                "to": form["To"],
                "body": form.get("Body", ""),
                "messaging_service_sid": form["MessagingServiceSid"],
                "direction": "outbound-api",
                "status": "accepted",
                "date_created": format_datetime(self.clock.replace(tzinfo=UTC), usegmt=True),
                "date_sent": None,
            }
            if not self.take_late:
                self.messages.append(message)
            self.taken.set()
            time.sleep(self.answer_delay)
            if self.take_late:
                self.messages.append(message)
            self.answered.set()
            if self.fail_after_taking:
                return 500, {"code": 20500, "message": "Internal Server Error", "status": 500}, {}
            return 201, message, {}
        if self.list_fails:
            return 503, {"code": 20500, "message": "Internal Server Error", "status": 503}, {}
        to = request.query.get("To", [None])[0]
        found = [message for message in reversed(self.messages) if message["to"] == to]
        return 200, {"messages": found, "page": 0, "next_page_uri": None}, {}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_overrides(
        {
            "sender.concurrency": 2,  # sends run in threads: the kill lands mid-send
            # The last attempt is the third: no retry budget past the attempts.
            "sender.max_attempts": 3,
            "sender.retry_budget_seconds": 0,
            "twilio.account_sid": ACCOUNT_SID,
            "twilio.auth_token": "secret-token",
            "twilio.messaging_service_sid": SERVICE_SID,
        }
    )


@pytest.fixture
def twilio() -> Iterator[tuple[Twilio, StandInServer]]:
    state = Twilio()
    with StandInServer(state) as server:
        yield state, server


def channel(settings: Settings, server: StandInServer) -> TwilioChannel:
    return TwilioChannel(settings.with_overrides({"twilio.api_base_url": server.url}))


def posts(server: StandInServer) -> int:
    return sum(request.method == "POST" for request in server.requests)


def fresh(db_session: Session, row: OutboxMessage) -> OutboxMessage:
    db_session.expire_all()
    found = db_session.get(OutboxMessage, row.id)
    assert found is not None
    return found


def killed_mid_send(
    sessions: sessionmaker[Session], settings: Settings, twilio: Twilio, server: StandInServer
) -> datetime:
    """A sender claims the row, Twilio takes it, the sender dies unrecorded; when its lease ends."""
    twilio.answer_delay = 0.5
    doomed = Sender(sessions, channel(settings, server), settings)
    assert doomed.step(NOW) == {"sending": 1}  # claimed and committed, the POST under way
    assert twilio.taken.wait(5)
    # Killed here: the sender never steps again, so Twilio's answer is never recorded.
    assert twilio.answered.wait(5)
    twilio.answer_delay = 0.0
    return NOW + timedelta(seconds=settings.sender.lease_seconds + 1)


def send_due(
    sessions: sessionmaker[Session], settings: Settings, server: StandInServer, now: datetime
) -> dict[str, int]:
    """A new worker process: its own channel and sender."""
    with closing(channel(settings, server)) as restarted:
        return Sender(sessions, restarted, settings).send_due(now, limit=10)


def test_a_message_twilio_took_before_the_sender_died_is_found_not_sent_again(
    db_session, settings, sessions, twilio
):
    state, server = twilio
    learner = add_learner(db_session, settings, number=NUMBER)
    row = add_outbox(db_session, learner, "Lección 1: separa el dinero del negocio.")
    after_lease = killed_mid_send(sessions, settings, state, server)
    assert fresh(db_session, row).provider_sid is None  # the outcome was lost

    assert send_due(sessions, settings, server, after_lease) == {"sent": 1}

    assert posts(server) == 1  # the learner's phone gets it once
    (taken,) = state.messages
    found = fresh(db_session, row)
    assert (found.provider_sid, found.status, found.handed_at) == (
        taken["sid"],
        OutboxStatus.QUEUED,
        None,
    )
    (lookup,) = [request for request in server.requests if request.method == "GET"]
    assert lookup.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert lookup.query["To"] == [NUMBER]
    # Nothing due afterwards: the row is settled.
    assert send_due(sessions, settings, server, after_lease + timedelta(hours=1)) == {}
    assert posts(server) == 1


def test_when_twilio_cannot_say_the_row_waits_and_is_found_later(
    db_session, settings, sessions, twilio
):
    state, server = twilio
    learner = add_learner(db_session, settings, number=NUMBER)
    row = add_outbox(db_session, learner, "Lección 2: anota cada gasto.")
    after_lease = killed_mid_send(sessions, settings, state, server)
    state.list_fails = True

    assert send_due(sessions, settings, server, after_lease) == {"retry": 1}

    assert posts(server) == 1  # not sent blindly
    waiting = fresh(db_session, row)
    assert (waiting.status, waiting.provider_sid) == (OutboxStatus.PENDING, None)
    assert waiting.next_attempt_at > after_lease
    assert waiting.handed_at == NOW  # still to be asked about at the next attempt

    state.list_fails = False
    assert send_due(sessions, settings, server, waiting.next_attempt_at) == {"sent": 1}
    assert posts(server) == 1
    assert fresh(db_session, row).provider_sid == state.messages[0]["sid"]


def test_lookups_failing_until_the_last_attempt_send_it_then(
    db_session, settings, sessions, twilio
):
    state, server = twilio
    learner = add_learner(db_session, settings, number=NUMBER)
    row = add_outbox(db_session, learner, "Lección 3: ahorra un poco cada semana.")
    later = killed_mid_send(sessions, settings, state, server)  # attempt 1 of 3
    state.list_fails = True

    assert send_due(sessions, settings, server, later) == {"retry": 1}  # attempt 2
    later = fresh(db_session, row).next_attempt_at
    assert send_due(sessions, settings, server, later) == {"sent": 1}  # attempt 3, the last

    assert posts(server) == 2  # bounded: a lesson twice rather than never
    assert fresh(db_session, row).provider_sid == state.messages[1]["sid"]


def test_a_message_twilio_never_took_is_sent_once(db_session, settings, sessions, twilio):
    state, server = twilio
    learner = add_learner(db_session, settings, number=NUMBER)
    # The same text went to this learner the day before: not this row's message.
    state.clock = NOW - timedelta(days=1)
    state.messages.append(
        {
            "sid": new_sid("SM"),
            "to": NUMBER,
            "body": "Lección 4: compara precios.",
            "messaging_service_sid": SERVICE_SID,
            "direction": "outbound-api",
            "status": "delivered",
            "date_created": format_datetime(state.clock.replace(tzinfo=UTC), usegmt=True),
        }
    )
    state.clock = NOW
    row = add_outbox(db_session, learner, "Lección 4: compara precios.")
    # Handed over at NOW, and the sender died before its request left.
    row.handed_at, row.attempts = NOW, 1
    row.next_attempt_at = NOW + timedelta(seconds=settings.sender.lease_seconds)
    db_session.commit()
    after_lease = row.next_attempt_at + timedelta(seconds=1)

    assert send_due(sessions, settings, server, after_lease) == {"sent": 1}

    assert posts(server) == 1
    assert [request.method for request in server.requests] == ["GET", "POST"]
    sent = fresh(db_session, row)
    assert (sent.provider_sid, sent.handed_at) == (state.messages[-1]["sid"], None)


def test_a_message_twilio_took_despite_answering_500_is_found_not_sent_again(
    db_session, settings, sessions, twilio
):
    state, server = twilio
    state.fail_after_taking = True
    learner = add_learner(db_session, settings, number=NUMBER)
    row = add_outbox(db_session, learner, "Lección 5: separa un fondo de emergencia.")

    assert send_due(sessions, settings, server, NOW) == {"retry": 1}
    state.fail_after_taking = False
    retry_at = fresh(db_session, row).next_attempt_at
    assert send_due(sessions, settings, server, retry_at) == {"sent": 1}

    assert posts(server) == 1
    assert fresh(db_session, row).provider_sid == state.messages[0]["sid"]


def test_a_row_still_in_flight_is_not_claimed_again_by_its_own_sender(
    db_session, settings, sessions, twilio
):
    """Its lease ends on the sender's clock while Twilio is slow to answer: one POST."""
    state, server = twilio
    state.answer_delay, state.take_late = 1.0, True
    learner = add_learner(db_session, settings, number=NUMBER)
    row = add_outbox(db_session, learner, "Lección 6: guarda los recibos.")
    after_lease = NOW + timedelta(seconds=settings.sender.lease_seconds + 1)
    with closing(channel(settings, server)) as slow:
        sender = Sender(sessions, slow, settings)
        assert sender.step(NOW) == {"sending": 1}
        assert state.taken.wait(5)

        sender.nudge()  # a turn wrote replies meanwhile: the next step claims at once
        assert sender.step(after_lease) == {"sending": 1}  # the same send, not a second one
        assert sender.finish(after_lease) == {"sent": 1}

    assert posts(server) == 1
    assert [request.method for request in server.requests] == ["POST"]  # no lookup either
    assert fresh(db_session, row).provider_sid == state.messages[0]["sid"]


def test_a_claim_stalled_past_half_its_lease_is_given_up_and_sent_once_later(
    db_session, settings, sessions, twilio
):
    """SQLite locked by another process: the claim waits, then must not send on a spent lease."""
    state, server = twilio
    # The shortest lease the app accepts: half of it is within SQLite's 30 s busy wait.
    settings = settings.with_overrides({"sender.lease_seconds": MIN_SENDER_LEASE_SECONDS})
    learner = add_learner(db_session, settings, number=NUMBER)
    row = add_outbox(db_session, learner, "Lección 7: cuenta tu caja cada noche.")
    stall = settings.sender.lease_seconds / 2 + 1
    path = settings.app.database_url.removeprefix("sqlite:///")
    locker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    locker.execute("BEGIN EXCLUSIVE")
    release = threading.Timer(stall, locker.execute, ["ROLLBACK"])
    release.start()
    try:
        with closing(channel(settings, server)) as twilio_channel:
            sender = Sender(sessions, twilio_channel, settings)
            assert sender.step(NOW) == {}  # claimed after the stall, then given up

            assert posts(server) == 0
            given_up = fresh(db_session, row)
            assert (given_up.status, given_up.attempts, given_up.handed_at) == (
                OutboxStatus.PENDING,
                1,
                NOW,
            )
            after_lease = NOW + timedelta(seconds=settings.sender.lease_seconds + 1)
            assert sender.send_due(after_lease, limit=10) == {"sent": 1}
    finally:
        release.join()
        locker.close()

    # Asked first (it was handed over before), then sent: once.
    assert [request.method for request in server.requests] == ["GET", "POST"]
    assert fresh(db_session, row).provider_sid == state.messages[0]["sid"]
