"""Measure how many due learners per second one Rasa server gets through (not a test).

    .venv/bin/python scripts/bench_dispatch.py [--learners N] [--keep]

Starts one Rasa server (the trained model) and one action server on free
loopback ports, exactly as `lessonbot up` runs them, against a temporary
SQLite database; adds N onboarded learners whose lesson is due, then times
one run of ``bot.messaging.dispatch.deliver_due_lessons`` over all of them: for each,
the ``EXTERNAL_lesson_due`` turn in Rasa (which runs ``action_deliver_lesson``
in the action server, writing to the database) and the outbox write. Twice,
with N new learners each time: one learner at a time, then
``schedule.dispatch_concurrency`` at once (the job's default); prints learners
per second, the turn latency, and the ratio of the two. One learner is served first, off
the clock, so that Rasa's first-turn warm-up is not counted. Check the machine
is quiet first (`uptime`): Rasa shares its two cores with everything else.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import utc_now
from bot.db import make_engine, make_session_factory, session_scope
from bot.local.up import MODEL_PATH, NLU_DIR, actions_command, process_environment, rasa_command
from bot.messaging.dispatch import deliver_due_lessons
from bot.messaging.rasa_client import RasaClient
from bot.migrate import upgrade
from bot.models import Learner
from bot.settings import Settings, load_settings
from bot.vocab import LearnerStatus

STARTUP_TIMEOUT_SECONDS = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_settings(directory: Path, learners: int) -> Settings:
    return load_settings(
        {
            "app.database_url": f"sqlite:///{directory / 'lessonbot.db'}",
            "rasa.tracker_store_url": f"sqlite:///{directory / 'rasa_tracker.db'}",
            "rasa.url": f"http://127.0.0.1:{free_port()}",
            "rasa.actions_port": free_port(),
            "schedule.quiet_start": "00:00",  # no quiet hours: the run does not depend on the time
            "schedule.quiet_end": "00:00",
            "schedule.due_batch_size": learners + 1,
        }
    )


def start_servers(settings: Settings, directory: Path) -> list[subprocess.Popen[bytes]]:
    port = int(settings.rasa.url.rsplit(":", 1)[1])
    processes = []
    for name, command, cwd in (
        ("actions", actions_command(settings), Path.cwd()),
        ("rasa", rasa_command(settings, port), NLU_DIR),
    ):
        env = process_environment(settings, name)
        env["LESSONBOT_DATABASE_URL"] = settings.app.database_url
        log = (directory / f"{name}.log").open("wb")
        # The commands are lessonbot up's own, built from settings, never from input.
        processes.append(
            subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
        )
    return processes


def wait_until_ready(settings: Settings, processes: list[subprocess.Popen[bytes]]) -> float:
    started = time.monotonic()
    while time.monotonic() - started < STARTUP_TIMEOUT_SECONDS:
        if any(process.poll() is not None for process in processes):
            raise SystemExit("a server exited early: see the logs (--keep)")
        try:
            status = httpx.get(
                f"{settings.rasa.url}/status", params={"token": settings.rasa.token}, timeout=2
            )
            actions = httpx.get(f"http://127.0.0.1:{settings.rasa.actions_port}/health", timeout=2)
            if status.status_code == 200 and status.json().get("model_file") and actions.is_success:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit("Rasa did not start in time")


def add_learners(settings: Settings, count: int, due_at: datetime) -> None:
    engine = make_engine(settings.app.database_url)
    with session_scope(make_session_factory(engine)) as session:
        session.add_all(
            Learner(
                phone_hash=secrets.token_hex(16),
                phone_encrypted="bench",
                channel="sms",
                status=LearnerStatus.ACTIVE,
                language=("es", "en", "fr", "ht")[index % 4],
                consent_at=due_at - timedelta(days=1),
                course_key="entrepreneurship",
                delivery_time="12:00",
                created_at=due_at - timedelta(days=1),
                last_inbound_at=due_at - timedelta(hours=1),
                next_lesson_at=due_at + timedelta(milliseconds=index),
            )
            for index in range(count)
        )
    engine.dispose()


class TimedRasa:
    """The real client, timing each turn."""

    def __init__(self, client: RasaClient) -> None:
        self.client = client
        self.seconds: list[float] = []

    def trigger_intent(self, sender_id, intent, entities=None, metadata=None):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return self.client.trigger_intent(sender_id, intent, entities, metadata)
        finally:
            self.seconds.append(time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if not MODEL_PATH.exists():
        raise SystemExit(f"no model at {MODEL_PATH}: run `make model`")

    directory = Path(tempfile.mkdtemp(prefix="bench-dispatch-"))
    settings = bench_settings(directory, args.learners)
    upgrade(settings)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    processes = start_servers(settings, directory)
    try:
        print(f"Rasa and actions ready in {wait_until_ready(settings, processes):.0f} s")
        now = utc_now()
        sessions = make_session_factory(make_engine(settings.app.database_url))
        rasa = TimedRasa(RasaClient(settings))
        add_learners(settings, 1, now - timedelta(hours=1))  # the warm-up learner
        deliver_due_lessons(sessions, rasa, settings, now)
        rasa.seconds.clear()

        runs = {}
        for concurrency in (1, settings.schedule.dispatch_concurrency):
            rasa.seconds.clear()
            add_learners(settings, args.learners, now - timedelta(minutes=1))
            started = time.perf_counter()
            summary = deliver_due_lessons(
                sessions,
                rasa,
                settings.with_overrides({"schedule.dispatch_concurrency": concurrency}),
                now,
            )
            runs[concurrency] = (summary, time.perf_counter() - started, sorted(rasa.seconds))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    rates = {}
    for concurrency, (summary, elapsed, turns) in runs.items():
        rates[concurrency] = summary.get("triggered", 0) / elapsed
        print(f"{concurrency} at once: {summary}")
        print(
            f"  {summary.get('triggered', 0)} due learners in {elapsed:.1f} s: "
            f"{rates[concurrency]:.1f} learners/s through one Rasa server; turn latency "
            f"median {statistics.median(turns) * 1000:.0f} ms, "
            f"p95 {turns[int(len(turns) * 0.95)] * 1000:.0f} ms"
        )
    concurrent = settings.schedule.dispatch_concurrency
    print(f"ratio, {concurrent} at once to one at a time: {rates[concurrent] / rates[1]:.2f}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.keep:
        print(f"database and logs in {directory}")
    else:
        shutil.rmtree(directory)


if __name__ == "__main__":
    main()
