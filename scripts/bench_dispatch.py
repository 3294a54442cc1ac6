"""Measure how many due learners per second one Rasa server gets through (not a test).

    .venv/bin/python scripts/bench_dispatch.py [--learners N] [--concurrency 4]
        [--tracker-store sqlite|postgres] [--out bench/results.json] [--keep]

Starts one Rasa server (the trained model, patched as `lessonbot up` runs it)
and one action server on free loopback ports, against a temporary SQLite
database (the tracker store on SQLite, or on a scratch PostgreSQL database as
in production); adds N onboarded learners whose lessons fell due over the last
minute, then runs ``bot.messaging.dispatch.deliver_due_lessons`` as the
scheduler does: a tick every minute, each taking batches of
``schedule.due_batch_size`` for up to ``schedule.dispatch_tick_seconds``, until
every learner has their lesson in the outbox. For each learner: the
``EXTERNAL_lesson_due`` turn in Rasa (``action_deliver_lesson`` in the action
server, writing to the database) and the outbox write. Prints the learners
per second over the whole run (the gaps between ticks included), the turn
latency, how late the last lesson was, whether the oldest slots went first,
and the minutes 100,000 learners would take at that rate; ``--out`` stores
them under ``dispatch`` in that JSON file. One learner is served first, off
the clock, so that Rasa's first-turn warm-up is not counted. Check the
machine is quiet first (`uptime`): Rasa shares its two cores with everything
else.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.postgres import scratch_database
from bench.stack import tree_cpu_seconds
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
TICK_SECONDS = 60  # the scheduler's interval for the job (scheduler/main.py)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bench_settings(
    directory: Path, learners: int, concurrency: int, tracker: str | None
) -> Settings:
    overrides: dict[str, Any] = {
        "app.database_url": f"sqlite:///{directory / 'lessonbot.db'}",
        "rasa.tracker_store_url": tracker or f"sqlite:///{directory / 'rasa_tracker.db'}",
        "rasa.url": f"http://127.0.0.1:{free_port()}",
        "rasa.actions_port": free_port(),
        "schedule.quiet_start": "00:00",  # no quiet hours: the run does not depend on the time
        "schedule.quiet_end": "00:00",
    }
    if concurrency:
        overrides["schedule.dispatch_concurrency"] = concurrency
    return load_settings(overrides)


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


def add_learners(settings: Settings, count: int, first_slot: datetime) -> dict[str, datetime]:
    """``count`` due learners, their slots spread from ``first_slot`` to now; public id -> slot."""
    step = (utc_now() - first_slot) / max(count, 1)
    engine = make_engine(settings.app.database_url)
    with session_scope(make_session_factory(engine)) as session:
        learners = [
            Learner(
                phone_hash=secrets.token_hex(16),
                phone_encrypted="bench",
                channel="sms",
                status=LearnerStatus.ACTIVE,
                language=("es", "en", "fr", "ht")[index % 4],
                consent_at=first_slot - timedelta(days=1),
                course_key="entrepreneurship",
                delivery_time="12:00",
                created_at=first_slot - timedelta(days=1),
                last_inbound_at=first_slot - timedelta(hours=1),
                next_lesson_at=first_slot + index * step,
            )
            for index in range(count)
        ]
        session.add_all(learners)
        session.flush()
        slots = {learner.public_id: learner.next_lesson_at for learner in learners}
    engine.dispose()
    return slots


class TimedRasa:
    """The real client, timing each turn and noting when each learner's turn ended.

    The outbox rows carry the tick's time, not the write's: the turn's end
    (the rows are written right after it) is when the lesson left for the learner.
    """

    def __init__(self, client: RasaClient) -> None:
        self.client = client
        self.seconds: list[float] = []
        self.ended: dict[str, datetime] = {}

    def trigger_intent(self, sender_id, intent, entities=None, metadata=None):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return self.client.trigger_intent(sender_id, intent, entities, metadata)
        finally:
            self.seconds.append(time.perf_counter() - started)
            self.ended[sender_id] = utc_now()


def run_ticks(
    settings: Settings, sessions: sessionmaker[Session], rasa: TimedRasa
) -> tuple[float, float, int, int]:
    """Ticks a minute apart, as the scheduler runs them, until nobody is due.

    Returns the seconds from the first tick's start to the last working
    tick's end (the pauses between ticks included), the seconds inside ticks,
    the lessons triggered and the ticks that found learners due.
    """
    started = last_end = time.monotonic()
    in_ticks = 0.0
    triggered = ticks = 0
    while True:
        tick_started = time.monotonic()
        summary = deliver_due_lessons(sessions, rasa, settings, utc_now())
        if summary.get("due", 0) == 0:
            return last_end - started, in_ticks, triggered, ticks
        last_end = time.monotonic()
        in_ticks += last_end - tick_started
        ticks += 1
        triggered += summary.get("triggered", 0)
        print(f"  tick {ticks}: {summary} in {last_end - tick_started:.1f} s", flush=True)
        if summary.get("rasa_unavailable"):
            return last_end - started, in_ticks, triggered, ticks
        time.sleep(max(0.0, tick_started + TICK_SECONDS - time.monotonic()))


def cpu_seconds(processes: list[subprocess.Popen[bytes]]) -> dict[str, float]:
    """CPU used so far by the action server, Rasa (start_servers' order) and this process."""
    actions, rasa = processes
    return {
        "actions": tree_cpu_seconds(actions.pid),
        "rasa": tree_cpu_seconds(rasa.pid),
        "dispatcher": sum(os.times()[:2]),
    }


def served_order(ended: dict[str, datetime], slots: dict[str, datetime]) -> dict[str, Any]:
    """How late each learner's lesson left after its slot, and how far from slot order."""
    late = sorted((ended[who] - slots[who]).total_seconds() / 60 for who in slots if who in ended)
    served = [who for who in slots if who in ended]
    by_slot = sorted(served, key=lambda who: slots[who])
    by_end = {who: rank for rank, who in enumerate(sorted(served, key=lambda who: ended[who]))}
    return {
        "served": len(served),
        "lesson_minutes_after_slot_p95": round(late[int(len(late) * 0.95)], 2) if late else None,
        "lesson_minutes_after_slot_max": round(late[-1], 2) if late else None,
        # Threads finish in any order: a few places either way is the concurrency.
        "most_places_out_of_slot_order": max(
            (abs(by_end[who] - rank) for rank, who in enumerate(by_slot)), default=0
        ),
    }


def commit() -> str:
    found = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=0, help="default: the setting")
    parser.add_argument("--tracker-store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--out", type=Path, help="store the figures under 'dispatch' in this JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if not MODEL_PATH.exists():
        raise SystemExit(f"no model at {MODEL_PATH}: run `make model`")
    with ExitStack() as stack:
        tracker = None
        if args.tracker_store == "postgres":
            tracker = stack.enter_context(scratch_database("rasa_dispatch_tracker"))
        figures = measure(args, tracker)
    print(json.dumps(figures, indent=1))
    for goal, met in (
        (f"due lessons ≥ 28/s: {figures['due_lessons_per_s']}", figures["due_lessons_per_s"] >= 28),
        (
            f"100,000 learners within 60 minutes: {figures['minutes_for_100k']}",
            figures["minutes_for_100k"] <= 60,
        ),
    ):
        print(("met     " if met else "NOT MET ") + goal)
    if args.out:
        results = json.loads(args.out.read_text()) if args.out.exists() else {}
        results["dispatch"] = figures
        args.out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
        print(f"written under 'dispatch' in {args.out}")


def measure(args: argparse.Namespace, tracker: str | None) -> dict[str, Any]:
    directory = Path(tempfile.mkdtemp(prefix="bench-dispatch-"))
    settings = bench_settings(directory, args.learners, args.concurrency, tracker)
    upgrade(settings)
    load_before = os.getloadavg()[0]
    processes = start_servers(settings, directory)
    try:
        print(f"Rasa and actions ready in {wait_until_ready(settings, processes):.0f} s")
        now = utc_now()
        sessions = make_session_factory(make_engine(settings.app.database_url))
        rasa = TimedRasa(RasaClient(settings))
        add_learners(settings, 1, now - timedelta(hours=1))  # the warm-up learner
        deliver_due_lessons(sessions, rasa, settings, now)
        rasa.seconds.clear()
        rasa.ended.clear()
        slots = add_learners(settings, args.learners, utc_now() - timedelta(minutes=1))
        cpu_before = cpu_seconds(processes)
        seconds, in_ticks, triggered, ticks = run_ticks(settings, sessions, rasa)
        cpu = {
            name: round(1000 * (after - cpu_before[name]) / max(triggered, 1), 1)
            for name, after in cpu_seconds(processes).items()
        }
        order = served_order(rasa.ended, slots)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        if args.keep:
            print(f"database and logs in {directory}")
        else:
            shutil.rmtree(directory)
    turns = sorted(rasa.seconds)
    # Over the whole run, the pauses between ticks included (a tick runs for
    # at most dispatch_tick_seconds of its minute): what a long morning slot gets.
    rate = triggered / seconds
    return {
        "commit": commit(),
        "learners": args.learners,
        "tracker_store": args.tracker_store,
        "concurrency": settings.schedule.dispatch_concurrency,
        "due_batch_size": settings.schedule.due_batch_size,
        "tick_seconds": settings.schedule.dispatch_tick_seconds,
        "ticks": ticks,
        "triggered": triggered,
        "seconds": round(seconds, 1),
        "due_lessons_per_s": round(rate, 1),
        "seconds_in_ticks": round(in_ticks, 1),
        "due_lessons_per_s_while_a_tick_runs": round(triggered / in_ticks, 1),
        "turn_median_ms": round(statistics.median(turns) * 1000),
        "turn_p95_ms": round(turns[int(len(turns) * 0.95)] * 1000),
        **order,
        # For sizing on more cores: each process's CPU per lesson started.
        "cpu_ms_per_lesson": cpu,
        "minutes_for_100k": round(100_000 / rate / 60, 1),
        "goal_due_lessons_per_s": 28,
        "goal_minutes_for_100k": 60,
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
    }


if __name__ == "__main__":
    main()
