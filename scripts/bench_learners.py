"""Benchmark the learner directory's search: 100,000 learners (not a test).

    .venv/bin/python scripts/bench_learners.py [--learners N] [--runs N]
        [--only sqlite|postgres] [--output bench/learners.json]

Builds the schema with the real migrations in a temporary SQLite file and in a
scratch PostgreSQL database on localhost (dropped at the end), fills it with
bulk inserts, runs ANALYZE, then times the searches staff make on
``/learners/`` (``bot.directory.search.search``: the count and one page of 50
with their tags): the first page, a deep page, a tag, a status and a language,
a course, a phone number (by its keyed hash) and a pseudonymous id. Each is run
``--runs`` times after one warm-up; the median and the 95th percentile are
printed against the 300 ms target and written to ``--output``.

The data: learners in es/en/fr/ht, a third on WhatsApp, 90 % active, 5 %
paused, 4 % opted out, 1 % erased, on two courses; 20 cohort tags of 1 %
each and a site tag on half of them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.postgres import scratch_database
from bot.db import make_engine
from bot.directory.search import Filters, search
from bot.migrate import upgrade
from bot.phones import phone_hash
from bot.settings import load_settings
from scripts.bench_dashboard import bulk_load
from scripts.bench_inbox import BATCH, TARGET_MS, _summary, write_record

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 3, 2, 15, 0)
LANGUAGES = ("es", "en", "fr", "ht")
COURSES = ("entrepreneurship", "digital_safety")
HASH_KEY = "bench-hash-key"
COHORTS = 20
LEARNER_COLUMNS = [
    "id",
    "public_id",
    "phone_hash",
    "channel",
    "language",
    "status",
    "course_key",
    "created_at",
    "last_inbound_at",
]
TAG_COLUMNS = ["id", "learner_id", "tag", "created_at"]


def status(n: int) -> str:
    share = n % 100
    if share < 90:
        return "active"
    return "paused" if share < 95 else "opted_out" if share < 99 else "erased"


def number(n: int) -> str:
    return f"+5076{n:07d}"


def learner_rows(learners: int) -> Iterator[tuple[Any, ...]]:
    for n in range(1, learners + 1):
        yield (
            n,
            f"L{n:016x}",
            phone_hash(number(n), HASH_KEY),
            "whatsapp" if n % 3 == 0 else "sms",
            LANGUAGES[n % 4],
            status(n),
            COURSES[n % 2],
            NOW - timedelta(days=200) + timedelta(minutes=n),
            NOW - timedelta(minutes=n % 50_000),
        )


def tag_rows(learners: int) -> Iterator[tuple[Any, ...]]:
    number_ = 0
    for n in range(1, learners + 1):
        tags = [f"cohort-{n % (COHORTS * 5)}"] if n % (COHORTS * 5) < COHORTS else []
        if n % 2 == 0:
            tags.append("site-colon")
        for tag in tags:
            number_ += 1
            yield (number_, n, tag, NOW - timedelta(days=100))


def seed(database_url: str, learners: int) -> dict[str, int]:
    upgrade(load_settings().with_overrides({"app.database_url": database_url}))
    engine = make_engine(database_url)
    try:
        counts = {
            "learner": bulk_load(engine, "learner", LEARNER_COLUMNS, learner_rows(learners), BATCH),
            "learner_tag": bulk_load(engine, "learner_tag", TAG_COLUMNS, tag_rows(learners), BATCH),
        }
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    finally:
        engine.dispose()
    return counts


def searches(learners: int) -> dict[str, Filters]:
    middle = learners // 2
    return {
        "first page": Filters(),
        "page 1000": Filters(page=1000),
        "tag (1 %)": Filters(tag="cohort-3"),
        "tag (50 %)": Filters(tag="site-colon"),
        "paused, French": Filters(status="paused", language="fr"),
        "course": Filters(course="digital_safety"),
        "phone number": Filters(number_hash=phone_hash(number(middle), HASH_KEY)),
        "learner id": Filters(public_id=f"L{middle:016x}"),
    }


def measure(database_url: str, learners: int, runs: int) -> dict[str, dict[str, Any]]:
    engine = make_engine(database_url)
    results: dict[str, dict[str, Any]] = {}
    try:
        with Session(engine) as session:
            for name, filters in searches(learners).items():
                found = search(session, filters)  # warm-up
                session.rollback()
                timings = []
                for _run in range(runs):
                    started = time.perf_counter()
                    search(session, filters)
                    timings.append((time.perf_counter() - started) * 1000)
                    session.rollback()
                results[name] = {"found": found.total, **_summary(timings)}
    finally:
        engine.dispose()
    return results


def bench(url: str, learners: int, runs: int) -> dict[str, Any]:
    started = time.perf_counter()
    counts = seed(url, learners)
    seeded = round(time.perf_counter() - started, 1)
    return {"seeded_s": seeded, "rows": counts, "queries": measure(url, learners, runs)}


def table(results: dict[str, dict[str, Any]]) -> str:
    lines = [f"{'database':<10} {'search':<16} {'found':>7} {'median ms':>10} {'p95 ms':>9}  ok"]
    for database, result in results.items():
        for query, figures in result["queries"].items():
            ok = "yes" if figures["p95_ms"] < TARGET_MS else "NO"
            lines.append(
                f"{database:<10} {query:<16} {figures['found']:>7} {figures['median_ms']:>10.2f}"
                f" {figures['p95_ms']:>9.2f}  {ok}"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--output", default=str(ROOT / "bench" / "learners.json"))
    args = parser.parse_args()
    results: dict[str, dict[str, Any]] = {}
    if args.only != "postgres":
        with tempfile.TemporaryDirectory() as directory:
            url = f"sqlite:///{directory}/bench_learners.db"
            results["sqlite"] = bench(url, args.learners, args.runs)
        print(f"sqlite: seeded in {results['sqlite']['seeded_s']} s", flush=True)
    if args.only != "sqlite":
        with scratch_database("bench_learners") as url:
            results["postgres"] = bench(url, args.learners, args.runs)
        print(f"postgres: seeded in {results['postgres']['seeded_s']} s", flush=True)
    print(f"{args.learners:,} learners, {args.runs} runs each, target p95 < {TARGET_MS:.0f} ms")
    print(table(results))
    write_record(args.output, {"learners": args.learners, "runs": args.runs, "results": results})


if __name__ == "__main__":
    main()
