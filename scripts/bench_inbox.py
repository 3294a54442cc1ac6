"""Benchmark the staff inbox: 10,000 open conversations, 1,000,000 messages (not a test).

    .venv/bin/python scripts/bench_inbox.py [--conversations N] [--messages N] [--runs N]
        [--only sqlite|postgres] [--output bench/inbox.json]

Builds the schema with the real migrations in a temporary SQLite file and in a
scratch PostgreSQL database on localhost (dropped at the end), fills it with
bulk inserts (executemany in batches on SQLite, COPY on PostgreSQL), runs
ANALYZE, then times what every staff page asks: the inbox's first page
(``bot.inbox.listing.open_conversations``) and the badge
(``bot.inbox.conversations.waiting_count``). Each is run ``--runs`` times after
one warm-up; the median and the 95th percentile are printed against the
300 ms target and written to ``--output``.

The data: twice as many learners as open conversations (es/en/fr/ht, a third
on WhatsApp), each with 5 lessons delivered; one open conversation for half of
them (70 % waiting for an answer, half assigned to one of 5 staff) and a
closed one for the other half; the messages split evenly between inbound and
outbox rows (lessons, replies and staff replies), spread over all learners.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.db import make_engine
from bot.inbox import conversations, listing
from bot.migrate import upgrade
from bot.settings import load_settings
from scripts.bench_dashboard import bulk_load

ROOT = Path(__file__).resolve().parent.parent
TARGET_MS = 300.0
NOW = datetime(2026, 3, 2, 15, 0)
LANGUAGES = ("es", "en", "fr", "ht")
STAFF = 5
LESSONS_EACH = 5
BATCH = 20_000
POSTGRES_SERVER = "postgresql+psycopg://root@127.0.0.1:5432"


@dataclass(frozen=True)
class Plan:
    conversations: int
    messages: int

    @property
    def learners(self) -> int:
        return 2 * self.conversations

    def learner_rows(self) -> Iterator[tuple[Any, ...]]:
        for n in range(1, self.learners + 1):
            channel = "whatsapp" if n % 3 == 0 else "sms"
            yield (
                n,
                f"L{n:016x}",
                channel,
                f"Learner {n}" if channel == "whatsapp" else None,
                LANGUAGES[n % 4],
                "active",
                "entrepreneurship",
                NOW - timedelta(days=60),
                NOW - timedelta(minutes=n % 3000),
            )

    def staff_rows(self) -> Iterator[tuple[Any, ...]]:
        for n in range(1, STAFF + 1):
            yield (n, f"staff{n}@example.org", "x", "staff", True, NOW - timedelta(days=90))

    def delivery_rows(self) -> Iterator[tuple[Any, ...]]:
        number = 0
        for learner in range(1, self.learners + 1):
            for lesson in range(1, LESSONS_EACH + 1):
                number += 1
                at = NOW - timedelta(days=30 - lesson)
                yield (number, learner, "entrepreneurship", f"lesson-{lesson}", at)

    def conversation_rows(self) -> Iterator[tuple[Any, ...]]:
        """One open conversation for the even learners, one closed for the odd."""
        for learner in range(1, self.learners + 1):
            opened = NOW - timedelta(minutes=(learner * 7919) % 20_000 + 1)
            is_open = learner % 2 == 0
            waiting = is_open and (learner // 2) % 10 < 7
            answered = None if waiting else opened + timedelta(minutes=12)
            yield (
                learner,
                learner,
                "open" if is_open else "closed",
                "learner",
                opened,
                learner % 5 != 0,
                opened if waiting else None,
                opened,
                answered,
                answered,
                (learner % STAFF) + 1 if learner % 4 < 2 else None,
                None if is_open else opened + timedelta(hours=1),
                None if is_open else opened + timedelta(hours=1, seconds=5),
                opened + timedelta(minutes=1),
            )

    def inbound_rows(self) -> Iterator[tuple[Any, ...]]:
        for n in range(1, self.messages // 2 + 1):
            learner = n % self.learners + 1
            channel = "whatsapp" if learner % 3 == 0 else "sms"
            at = NOW - timedelta(seconds=(n * 37) % (30 * 86_400))
            yield (n, f"SM{n:032x}", learner, channel, "hola, una pregunta", at, "done")

    def outbox_rows(self) -> Iterator[tuple[Any, ...]]:
        kinds = ("lesson", "reply", "reply", "staff_reply")
        for n in range(1, self.messages - self.messages // 2 + 1):
            learner = n % self.learners + 1
            at = NOW - timedelta(seconds=(n * 41) % (30 * 86_400))
            yield (n, f"bench-{n}", learner, kinds[n % 4], "Gracias por escribir", "delivered",
                   at, at)  # fmt: skip


# table, columns, rows; parents first
TABLES: tuple[tuple[str, str, Callable[[Plan], Iterable[tuple[Any, ...]]]], ...] = (
    (
        "learner",
        "id public_id channel profile_name language status course_key created_at last_inbound_at",
        Plan.learner_rows,
    ),
    ("staff_user", "id email password_hash role active created_at", Plan.staff_rows),
    ("lesson_delivery", "id learner_id course_key lesson_key delivered_at", Plan.delivery_rows),
    (
        "conversation",
        "id learner_id status opened_by opened_at opened_in_office_hours waiting_since"
        " last_learner_message_at first_answered_at last_answered_at assigned_to_id"
        " closed_at resumed_at notified_at",
        Plan.conversation_rows,
    ),
    (
        "inbound_message",
        "id message_sid learner_id channel body received_at status",
        Plan.inbound_rows,
    ),
    (
        "outbox_message",
        "id idempotency_key learner_id kind body status created_at sent_at",
        Plan.outbox_rows,
    ),
)


def seed(database_url: str, plan: Plan) -> dict[str, int]:
    """Migrate an empty database and fill it; the rows loaded per table."""
    upgrade(load_settings().with_overrides({"app.database_url": database_url}))
    engine = make_engine(database_url)
    try:
        counts = {
            name: bulk_load(engine, name, cols.split(), rows(plan), BATCH)
            for name, cols, rows in TABLES
        }
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    finally:
        engine.dispose()
    return counts


def _summary(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    p95 = ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]
    return {"median_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2)}


def measure(database_url: str, runs: int) -> dict[str, dict[str, Any]]:
    """Median and p95 milliseconds of the inbox's first page and of the badge count."""
    engine = make_engine(database_url)
    queries: dict[str, Callable[[Session], object]] = {
        "open_conversations": lambda session: listing.open_conversations(session, NOW),
        "waiting_count": conversations.waiting_count,
    }
    results: dict[str, dict[str, Any]] = {}
    try:
        with Session(engine) as session:
            for name, query in queries.items():
                found = query(session)  # warm-up: the caches a running app has
                session.rollback()
                timings = []
                for _run in range(runs):
                    started = time.perf_counter()
                    query(session)
                    timings.append((time.perf_counter() - started) * 1000)
                    session.rollback()  # as each request starts afresh
                size = len(found) if isinstance(found, list) else found
                results[name] = {"result": size, **_summary(timings)}
    finally:
        engine.dispose()
    return results


def bench_sqlite(plan: Plan, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{directory}/bench_inbox.db"
        started = time.perf_counter()
        counts = seed(url, plan)
        seeded = time.perf_counter() - started
        return {"seeded_s": round(seeded, 1), "rows": counts, "queries": measure(url, runs)}


def bench_postgres(plan: Plan, runs: int, server: str = POSTGRES_SERVER) -> dict[str, Any]:
    name = f"bench_inbox_{secrets.token_hex(4)}"
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = f"{server}/{name}"
        started = time.perf_counter()
        counts = seed(url, plan)
        seeded = time.perf_counter() - started
        return {"seeded_s": round(seeded, 1), "rows": counts, "queries": measure(url, runs)}
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def table(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        f"{'database':<10} {'query':<20} {'median ms':>10} {'p95 ms':>9} {'target ms':>10}  ok",
    ]
    for database, result in results.items():
        for query, figures in result["queries"].items():
            ok = "yes" if figures["p95_ms"] < TARGET_MS else "NO"
            lines.append(
                f"{database:<10} {query:<20} {figures['median_ms']:>10.2f}"
                f" {figures['p95_ms']:>9.2f} {TARGET_MS:>10.0f}  {ok}"
            )
    return "\n".join(lines)


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_record(output: str, fields: dict[str, Any]) -> None:
    """Write a run's figures with where they come from: commit, date, machine, target."""
    record = {
        "commit": _commit(),
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores,"
        f" Python {platform.python_version()}",
        "target_ms": TARGET_MS,
        **fields,
    }
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    Path(output).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"written to {output}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument(
        "--postgres-server", default=os.environ.get("BENCH_POSTGRES_SERVER", POSTGRES_SERVER)
    )
    parser.add_argument("--output", default=str(ROOT / "bench" / "inbox.json"))
    args = parser.parse_args()
    plan = Plan(args.conversations, args.messages)
    results: dict[str, dict[str, Any]] = {}
    if args.only != "postgres":
        results["sqlite"] = bench_sqlite(plan, args.runs)
        print(f"sqlite: seeded in {results['sqlite']['seeded_s']} s", flush=True)
    if args.only != "sqlite":
        results["postgres"] = bench_postgres(plan, args.runs, args.postgres_server)
        print(f"postgres: seeded in {results['postgres']['seeded_s']} s", flush=True)
    print(
        f"{plan.conversations:,} open conversations, {plan.messages:,} messages,"
        f" {args.runs} runs each"
    )
    print(table(results))
    sizes = {"open_conversations": plan.conversations, "messages": plan.messages}
    write_record(args.output, {**sizes, "runs": args.runs, "results": results})


if __name__ == "__main__":
    main()
