"""`run_forever` as its own process: answers, sends, and stops cleanly on SIGTERM.

A loopback stand-in plays Rasa's REST channel (this is about the process's
loops and shutdown, not about Rasa); the local channel delivers.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.messaging.inbound import parse_inbound
from bot.messaging.spool import Spool
from bot.models import InboundMessage, OutboxMessage
from bot.ops.models import Heartbeat, MetricCounter
from bot.settings import Settings
from bot.vocab import InboundStatus, OutboxStatus
from tests.builders import NOW, add_inbound, add_learner, inbound_form
from tests.fakes import Answer, Recorded, StandInServer, rasa_echo

START = "from bot.settings import load_settings; from bot.messaging.worker import run_forever; "
START += "from bot.inbox.desk import DESK; "
START += "run_forever(load_settings(), DESK)"


def worker_environment(settings: Settings, rasa_url: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TWILIO_", "LESSONBOT_"))
    }
    env.update(
        LESSONBOT_DATABASE_URL=settings.app.database_url,
        LESSONBOT_RASA_URL=rasa_url,
        LESSONBOT_RASA_TRACKER_STORE_URL=settings.rasa.tracker_store_url,
        LESSONBOT_PHONE_HASH_KEY=settings.secrets.phone_hash_key,
        LESSONBOT_PHONE_ENCRYPTION_KEY=settings.secrets.phone_encryption_key,
        LESSONBOT_RASA_TOKEN=settings.rasa.token,
        LESSONBOT_WEBHOOK_SPOOL_DIRECTORY=str(settings.spool_path),
    )
    return env


def wait_for(condition, timeout: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_worker_answers_then_stops_on_sigterm(
    db_session: Session, settings: Settings, tmp_path: Path
):
    message = add_inbound(
        db_session, add_learner(db_session, settings, number="+50761234567"), "hola"
    )

    def delivered() -> bool:
        db_session.expire_all()
        rows = db_session.scalars(select(OutboxMessage)).all()
        return bool(rows) and all(row.status == OutboxStatus.DELIVERED for row in rows)

    log_path = tmp_path / "worker.log"
    with StandInServer(rasa_echo) as rasa, log_path.open("w") as log_file:
        worker = subprocess.Popen(
            [sys.executable, "-c", START],
            env=worker_environment(settings, rasa.url),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            answered = wait_for(delivered)
            worker.send_signal(signal.SIGTERM)
            code = worker.wait(timeout=20)
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    log = log_path.read_text()

    assert answered, log
    assert code == 0, log
    assert "worker: stopped" in log
    assert "61234567" not in log
    assert db_session.get(InboundMessage, message.id).status == InboundStatus.DONE
    assert db_session.scalars(select(OutboxMessage.body)).all() == ["echo: hola"]
    # Its heartbeat (/readyz), and its counts added to the database as it stopped (/metrics).
    assert db_session.scalars(select(Heartbeat.kind)).all() == ["worker"]
    counts = {
        (row.name, row.labels): row.value for row in db_session.scalars(select(MetricCounter))
    }
    assert counts[("lessonbot_turns_total", '{"outcome":"answered"}')] == 1
    assert counts[("lessonbot_sends_total", '{"error_code":"","outcome":"sent"}')] == 1


def test_the_worker_stores_what_the_webhook_spooled_and_answers_it(
    db_session: Session, settings: Settings, tmp_path: Path
):
    # What the webhook keeps while the database is stalled (bot.messaging.intake).
    spool = Spool(settings.spool_path, settings.secrets.phone_encryption_key)
    form = inbound_form("hola", number="+50761234568")
    spool.put("inbound", NOW, asdict(parse_inbound(form)))

    def answered() -> bool:
        db_session.expire_all()
        return db_session.scalars(select(OutboxMessage.body)).all() == ["echo: hola"]

    log_path = tmp_path / "worker.log"
    with StandInServer(rasa_echo) as rasa, log_path.open("w") as log_file:
        worker = subprocess.Popen(
            [sys.executable, "-c", START],
            env=worker_environment(settings, rasa.url),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            done = wait_for(answered)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=20)
    log = log_path.read_text()

    assert done, log
    assert spool.paths() == []
    stored = db_session.scalars(select(InboundMessage)).one()
    assert stored.message_sid == form["MessageSid"]
    assert "61234568" not in log


class SlowRasa:
    """Rasa's REST channel taking 0.1 s a turn; counts the turns it was given at once."""

    def __init__(self) -> None:
        self.most_at_once = 0
        self._at_once = 0
        self._lock = threading.Lock()

    def __call__(self, request: Recorded) -> Answer:
        with self._lock:
            self._at_once += 1
            self.most_at_once = max(self.most_at_once, self._at_once)
        time.sleep(0.1)
        with self._lock:
            self._at_once -= 1
        return rasa_echo(request)


def test_several_learners_turns_run_at_once_each_learners_in_order(
    db_session: Session, settings: Settings, tmp_path: Path
):
    learners = [
        add_learner(db_session, settings, number=f"+5076400{index:04d}") for index in range(12)
    ]
    for learner in learners:
        for word in ("uno", "dos", "tres"):
            add_inbound(db_session, learner, f"{learner.id} {word}")

    def all_done() -> bool:
        db_session.expire_all()
        query = select(InboundMessage.status).where(InboundMessage.status != InboundStatus.DONE)
        return not db_session.scalars(query).all()

    slow_rasa = SlowRasa()
    env_overrides = {"LESSONBOT_WORKER_TURN_CONCURRENCY": "4"}
    log_path = tmp_path / "worker.log"
    with StandInServer(slow_rasa) as rasa, log_path.open("w") as log_file:
        worker = subprocess.Popen(
            [sys.executable, "-c", START],
            env=worker_environment(settings, rasa.url) | env_overrides,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            finished = wait_for(all_done)
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=20)
        asked = [request.json()["message"] for request in rasa.requests]

    assert finished, log_path.read_text()
    assert 1 < slow_rasa.most_at_once <= 4
    by_learner: dict[str, list[str]] = {}
    for text in asked:
        by_learner.setdefault(text.split()[0], []).append(text.split()[1])
    assert by_learner == {str(learner.id): ["uno", "dos", "tres"] for learner in learners}
    replies = db_session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id)).all()
    for learner in learners:
        mine = [body for body in replies if body.split()[1] == str(learner.id)]
        assert mine == [f"echo: {learner.id} {word}" for word in ("uno", "dos", "tres")]
