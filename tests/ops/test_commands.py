"""The process commands a process manager runs: their help, and `lessonbot web` for real."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from bot.cli import main
from bot.db import make_engine, make_session_factory
from bot.local.up import APP_BIN, process_environment
from bot.ops.models import Heartbeat, MetricCounter
from bot.settings import PROJECT_ROOT, Settings
from tests.fakes import closed_port_url
from tests.ops.system import NUMBER
from tests.scheduler.processes import scheduler_environment, start_scheduler, wait_for


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("web", "gunicorn"),
        ("worker", "through Rasa"),
        ("scheduler", "periodic jobs"),
        ("rasa", "Rasa server on loopback"),
        ("actions", "action server"),
    ],
)
def test_each_process_command_has_help(command, says):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert says in result.output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read()
    except OSError:
        return 0, b""


def test_lessonbot_web_serves_healthz_and_stops_cleanly_on_sigterm(settings: Settings, tmp_path):
    port = free_port()
    env = process_environment(settings, "web")
    env.update(
        {
            "LESSONBOT_DATABASE_URL": settings.app.database_url,
            "LESSONBOT_RASA_TRACKER_STORE_URL": settings.rasa.tracker_store_url,
            "LESSONBOT_WEBHOOK_SPOOL_DIRECTORY": settings.webhook.spool_directory,
            "TWILIO_AUTH_TOKEN": settings.twilio.auth_token,
            "LESSONBOT_APP_WEB_PORT": str(port),
            "LESSONBOT_APP_WEB_WORKERS": "1",
            "LESSONBOT_APP_WEB_THREADS": "2",
            "LESSONBOT_LOG_FORMAT": "json",
        }
    )
    log = Path(tmp_path / "web.log")
    with log.open("wb") as err:
        web = subprocess.Popen(
            [str(APP_BIN / "lessonbot"), "web"], cwd=PROJECT_ROOT, env=env, stderr=err
        )
    try:
        deadline = time.monotonic() + 60
        url = f"http://127.0.0.1:{port}/healthz?From=%2B{NUMBER[1:]}"
        status, body = get(url)
        while status != 200 and time.monotonic() < deadline and web.poll() is None:
            time.sleep(0.2)
            status, body = get(url)
        assert status == 200, log.read_text()
        assert json.loads(body) == {"status": "ok"}
    finally:
        web.send_signal(signal.SIGTERM)
        try:
            code = web.wait(timeout=30)
        except subprocess.TimeoutExpired:
            web.kill()
            raise
    assert code == 0, log.read_text()
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    access = [entry for entry in entries if entry["logger"] == "gunicorn.access"]
    assert any('"GET /healthz" 200' in entry["message"] for entry in access), entries
    # The query string (here a number) never reaches the log.
    assert NUMBER[1:] not in log.read_text()
    assert all(entry["process"] == "web" for entry in entries)


def test_lessonbot_scheduler_beats_and_stops_cleanly_on_sigterm(settings: Settings, tmp_path):
    env = scheduler_environment(settings, LESSONBOT_RASA_URL=closed_port_url())
    log = tmp_path / "scheduler.log"
    scheduler = start_scheduler(env, log)
    engine = make_engine(settings.app.database_url)
    try:
        with make_session_factory(engine)() as session:

            def beaten() -> bool:
                return session.scalars(select(Heartbeat.kind)).all() == ["scheduler"]

            wait_for(beaten, 60, "the scheduler's heartbeat")
    finally:
        scheduler.send_signal(signal.SIGTERM)
        code = scheduler.wait(timeout=30)
    assert code == 0, log.read_text()
    with make_session_factory(engine)() as session:
        runs = {row.labels for row in session.scalars(select(MetricCounter))}
    engine.dispose()
    # The jobs' runs were counted, and added to the database as it stopped.
    assert '{"job":"heartbeat","outcome":"ok"}' in runs


def test_lessonbot_actions_serves_on_loopback_and_stops_on_sigterm(settings: Settings, tmp_path):
    port = free_port()
    env = process_environment(settings, "actions")
    env["LESSONBOT_RASA_ACTIONS_PORT"] = str(port)
    log = tmp_path / "actions.log"
    with log.open("wb") as out:
        actions = subprocess.Popen(
            [str(APP_BIN / "lessonbot"), "actions"], cwd=tmp_path, env=env, stdout=out, stderr=out
        )
    try:
        wait_for(lambda: get(f"http://127.0.0.1:{port}/health")[0] == 200, 60, "the actions")
        # Sanic sets its signal handlers just after it answers: a SIGTERM in
        # that instant is lost (a process manager then escalates to SIGKILL).
        time.sleep(2)
    finally:
        actions.send_signal(signal.SIGTERM)
        try:
            code = actions.wait(timeout=30)
        except subprocess.TimeoutExpired:
            actions.kill()
            raise
    assert code == 0, log.read_text()[-2000:]
    assert f"up and running on http://127.0.0.1:{port}" in log.read_text()
