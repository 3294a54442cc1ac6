"""Benchmark the scheduler's due-learner query with 1,000,000 learners (not a test).

    .venv/bin/python scripts/bench_due_query.py [--learners N] [--ticks N] [--only sqlite|postgres]

Builds the ``learner`` table from the models (same indexes as the migration)
in a temporary SQLite file and in a schema of its own in PostgreSQL (database
``test`` on localhost, trust auth; dropped at the end), fills it, then times
``bot.messaging.dispatch.find_due`` — the query and the loading of its rows, as a tick
runs it — at several moments. Prints the median against the 200 ms target and
the query plan, and the same timing without ``ix_learner_due`` for comparison.

The learners: 80 % active with a slot spread over the next 24 hours (about
700 fall due per minute, more than a batch), 10 % paused, opted out or erased
with a stale slot in the past (what a single-column index would have to step
over), 1 % active with a pause running and a past slot, the rest unscheduled.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.db import make_engine
from bot.learners.due import due_query, find_due
from bot.models import Learner
from bot.vocab import LearnerStatus

TARGET_MS = 200.0
BATCH = 500
NOW = datetime(2025, 3, 3, 19, 0)
COLUMNS = (
    "id",
    "public_id",
    "channel",
    "status",
    "language",
    "course_key",
    "delivery_time",
    "timezone",
    "delivery_days",
    "next_lesson_at",
    "paused_until",
    "created_at",
)
DUE_INDEX = next(index for index in Learner.__table__.indexes if index.name == "ix_learner_due")


def learners(count: int, seed: int = 4) -> Iterator[tuple[object, ...]]:
    rng = random.Random(seed)
    day_seconds = 24 * 3600
    for number in range(1, count + 1):
        roll = rng.random()
        status, slot, paused_until = LearnerStatus.ACTIVE, None, None
        if roll < 0.80:
            slot = NOW + timedelta(seconds=rng.randrange(-60, day_seconds))
        elif roll < 0.90:
            status = rng.choice(
                (LearnerStatus.PAUSED, LearnerStatus.OPTED_OUT, LearnerStatus.ERASED)
            )
            slot = NOW - timedelta(seconds=rng.randrange(60, 30 * day_seconds))
        elif roll < 0.91:
            slot = NOW - timedelta(seconds=rng.randrange(60, 3 * day_seconds))
            paused_until = NOW + timedelta(days=rng.randrange(1, 8))
        elif roll < 0.95:
            status = LearnerStatus.NEW
        yield (
            number,
            f"L{number:016x}",
            "whatsapp" if number % 3 == 0 else "sms",
            status,
            "es",
            "entrepreneurship",
            "19:00",
            "America/Panama",
            "1111111",
            slot,
            paused_until,
            NOW - timedelta(days=30),
        )


def load_sqlite(engine: Engine, count: int) -> None:
    placeholders = ", ".join("?" for _ in COLUMNS)
    statement = f"INSERT INTO learner ({', '.join(COLUMNS)}) VALUES ({placeholders})"  # noqa: S608
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.executemany(statement, (_sqlite_row(row) for row in learners(count)))
        raw.commit()
    finally:
        raw.close()


def _sqlite_row(row: tuple[object, ...]) -> tuple[object, ...]:
    # The text form SQLAlchemy's SQLite DateTime stores (and compares as text).
    return tuple(
        value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value
        for value in row
    )


def load_postgres(engine: Engine, count: int) -> None:
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        buffer = io.StringIO()
        for row in learners(count):
            buffer.write("\t".join(r"\N" if value is None else str(value) for value in row))
            buffer.write("\n")
        with cursor.copy(f"COPY learner ({', '.join(COLUMNS)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            copy.write(buffer.getvalue())
        raw.commit()
    finally:
        raw.close()


def time_ticks(engine: Engine, ticks: int) -> tuple[float, list[int]]:
    """Median milliseconds of find_due over ``ticks`` moments a minute apart; rows found."""
    timings, found = [], []
    with Session(engine) as session:
        find_due(session, NOW, BATCH)  # warm the cache, as a running scheduler has it
        for tick in range(ticks):
            now = NOW + timedelta(minutes=tick)
            started = time.perf_counter()
            rows = find_due(session, now, BATCH)
            timings.append((time.perf_counter() - started) * 1000)
            found.append(len(rows))
            session.rollback()
    return statistics.median(timings), found


def explain(engine: Engine, label: str) -> str:
    # The label keeps SQLite's statement cache from answering with an old plan.
    sql = f"/* {label} */ " + str(
        due_query(NOW, BATCH).compile(
            dialect=engine.dialect, compile_kwargs={"literal_binds": True}
        )
    )
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
    with engine.connect() as connection:
        rows = connection.execute(text(prefix + sql)).all()
    return "\n".join("    " + str(row[-1]) for row in rows)


def report(name: str, engine: Engine, count: int, ticks: int) -> None:
    median, found = time_ticks(engine, ticks)
    print(f"{name}: {count:,} learners, {ticks} ticks, rows per tick {found}")
    print(
        f"  due query + rows: median {median:.2f} ms "
        f"= {median / TARGET_MS:.3f} of the {TARGET_MS:.0f} ms target "
        f"({TARGET_MS / median:.0f}x under it)"
    )
    print("  plan:\n" + explain(engine, "with"))
    DUE_INDEX.drop(engine)
    try:
        without, _ = time_ticks(engine, ticks)
        print(f"  for comparison, without ix_learner_due: median {without:.2f} ms")
        print("  plan:\n" + explain(engine, "without"))
    finally:
        DUE_INDEX.create(engine)


def bench_sqlite(count: int, ticks: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(f"sqlite:///{directory}/bench.db")
        Learner.__table__.create(engine)
        started = time.perf_counter()
        load_sqlite(engine, count)
        print(f"sqlite: loaded in {time.perf_counter() - started:.0f} s (no ANALYZE run)")
        report("sqlite", engine, count, ticks)
        engine.dispose()


def bench_postgres(url: str, count: int, ticks: int) -> None:
    schema = f"bench_due_{os.getpid()}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
        Learner.__table__.create(engine)
        started = time.perf_counter()
        load_postgres(engine, count)
        with engine.connect() as connection:
            connection.execute(text("ANALYZE learner"))  # what autovacuum does after a load
            connection.commit()
        print(f"postgres: loaded in {time.perf_counter() - started:.0f} s (then ANALYZE)")
        report("postgres", engine, count, ticks)
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=1_000_000)
    parser.add_argument("--ticks", type=int, default=9)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql+psycopg://root@localhost:5432/test"
        ),
    )
    args = parser.parse_args()
    if args.only != "postgres":
        bench_sqlite(args.learners, args.ticks)
    if args.only != "sqlite":
        bench_postgres(args.postgres_url, args.learners, args.ticks)


if __name__ == "__main__":
    main()
