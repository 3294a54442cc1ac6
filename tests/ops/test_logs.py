"""Logs: one JSON object per line without numbers or texts; APScheduler quiet by default."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session, sessionmaker

from bot import create_app
from bot.db import make_engine, make_session_factory
from bot.logs import configure_logging
from bot.services import Services
from bot.settings import Settings
from scheduler.main import JOBS, build_scheduler, run_job
from tests.fakes import closed_port_url
from tests.ops.system import NUMBER, TEXT, learner_writes, worker_runs

WATCHED = (
    "apscheduler",
    "apscheduler.executors.default",
    "apscheduler.scheduler",
    "httpx",
    "urllib3",
)


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """configure_logging changes the root logger: put back pytest's own set-up afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level for name in WATCHED}
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)
    for name, value in levels.items():
        logging.getLogger(name).setLevel(value)


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.app.database_url)
    yield make_session_factory(engine)
    engine.dispose()


def json_lines(text: str) -> list[dict]:
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    for entry in lines:
        assert {"time", "level", "logger", "message", "process"} <= set(entry), entry
        datetime.fromisoformat(entry["time"])
    return lines


def test_json_logs_are_one_object_per_line_without_numbers_or_texts(settings, sessions, capsys):
    settings = settings.with_overrides({"ops.log_format": "json", "rasa.url": closed_port_url()})
    configure_logging(settings, "worker")
    client = create_app(settings=settings).test_client()
    learner_writes(client, settings)
    worker_runs(sessions, settings)
    # Code that slipped and logged a number, as Twilio's "From" field has it.
    logging.getLogger("bot.somewhere").warning("message from whatsapp:%s", NUMBER)
    try:
        raise ValueError(f"bad number {NUMBER}")
    except ValueError:
        logging.getLogger("bot.somewhere").exception("failed")

    err = capsys.readouterr().err
    entries = json_lines(err)
    assert {entry["process"] for entry in entries} == {"worker"}
    slipped = [entry for entry in entries if entry["logger"] == "bot.somewhere"]
    assert slipped[0]["message"] == "message from whatsapp:+507…67"
    assert slipped[0]["level"] == "WARNING"
    assert "ValueError: bad number +507…67" in slipped[1]["exception"]
    for secret in (NUMBER, NUMBER[1:], TEXT):
        assert secret not in err


def test_text_logs_stay_text_and_masked(settings, capsys):
    configure_logging(settings, "web")
    logging.getLogger("bot.somewhere").warning("from %s", NUMBER)
    err = capsys.readouterr().err
    assert err.rstrip().endswith("WARNING bot.somewhere: from +507…67")


def test_scheduler_jobs_have_readable_names(settings):
    scheduler = build_scheduler(settings)
    names = {job.id: job.name for job in scheduler.get_jobs()}
    assert names == {job_id: job_id for job_id, _body, _trigger in JOBS}
    assert "heartbeat" in names


def run_one_job(settings: Settings) -> None:
    """A job run the way the scheduler runs them: through APScheduler and ``run_job``."""
    services = Services.for_settings(settings)
    ran = threading.Event()

    def body(_services: Services, _now: datetime) -> dict[str, int]:
        ran.set()
        return {"due": 0}

    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(
        run_job,
        id="quiet_job",
        name="quiet_job",
        args=("quiet_job", body, services),
        # An interval (not a one-off date) job: it stays in the store until shutdown.
        trigger="interval",
        hours=1,
        next_run_time=datetime.now(UTC),
    )
    scheduler.start()
    try:
        assert ran.wait(10)
    finally:
        scheduler.shutdown(wait=True)
        services.close()


def test_apscheduler_is_quiet_by_default(settings, capsys):
    configure_logging(settings, "scheduler")
    run_one_job(settings)
    err = capsys.readouterr().err
    assert "Running job" not in err
    assert "executed successfully" not in err
    assert "quiet_job" not in err  # nothing done: its summary is a DEBUG line


def test_apscheduler_speaks_with_the_debug_setting(settings, capsys):
    configure_logging(settings.with_overrides({"ops.log_debug": True}), "scheduler")
    run_one_job(settings)
    err = capsys.readouterr().err
    assert 'Running job "quiet_job' in err
    assert "executed successfully" in err
    assert "job quiet_job: {'due': 0}" in err
