"""Benchmark the coordinator dashboard: 100,000 learners, 5,000,000 events (not a test).

    .venv/bin/python scripts/bench_dashboard.py [--scale 1.0] [--repeat 5] [--only sqlite|postgres]

Builds the app's tables from the models (same indexes as the migration) in a
temporary SQLite file and in a schema of its own in PostgreSQL (database
``test`` on localhost, trust auth; dropped at the end), fills them, runs
ANALYZE, then times every dashboard page through the Flask test client as a
logged-in coordinator: the median server time of ``--repeat`` requests after
one warm-up, against the 1 s target. The learner-progress CSV (an export of
one row per enrolment) is timed once, for information.

The data, at scale 1: 100,000 learners who signed up over 2025 (language es
55 %, en 20 %, fr 15 %, ht 10 %; 30 % on WhatsApp; 5 % opted out; 30 % tagged
with one of 20 sites); 1 or 2 enrolments each; 6-13 lessons delivered each
(about 950,000, each linked to its outbox row and carrying the outcomes the app
keeps on it); and 5,000,000 message and quiz events: 2,000,000 outbox messages
(lessons and replies; 80 % delivered or read, 5 % failed with a Twilio error),
about 1,400,000 first and second quiz answers, and inbound messages for the rest.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from itertools import chain
from pathlib import Path

from sqlalchemy import Engine, Table, create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot import create_app
from bot.db import Base, make_engine, session_scope
from bot.messaging.channels.twilio import reason_for
from bot.services import services
from bot.settings import load_settings
from bot.staff import models as staff_models
from bot.staff import sessions as staff_sessions
from bot.staff.accounts import hash_password
from lessons import Catalog, load_catalog

TARGET_SECONDS = 1.0
START = datetime(2025, 1, 1)
NOW = datetime(2026, 1, 1, 12)
LEARNERS = 100_000
EVENTS = 5_000_000
OUTBOX = 2_000_000
PAGES = {
    "overview": "/dashboard/",
    "overview, filtered": "/dashboard/?language=es&channel=sms&start=2025-03-01&end=2025-09-30",
    "funnel": "/dashboard/funnel?course=entrepreneurship",
    "funnel, filtered": "/dashboard/funnel?course=entrepreneurship&tag=site-07",
    "quiz": "/dashboard/quiz",
    "quiz, filtered": "/dashboard/quiz?course=digital_safety&language=fr",
    "delivery (last 30 days)": "/dashboard/delivery",
    "delivery, filtered": "/dashboard/delivery?channel=whatsapp&start=2025-06-01&end=2025-06-30",
}
# Pages timed for information: wider than what a view shows by default.
WIDE_PAGES = {
    "delivery, whole year": "/dashboard/delivery?start=2025-01-01&end=2025-12-31",
    "delivery, whole year, filtered": "/dashboard/delivery?start=2025-01-01&end=2025-12-31"
    "&language=es",
}
STATUSES = (("delivered", 0.75), ("read", 0.80), ("sent", 0.88), ("failed", 0.93))
# Twilio error codes of the failed messages, stored as the channel reads them (reason_for).
ERRORS = (30003, 30005, 30006, 30007, 30008, 63016)


class Plan:
    """Every learner's attributes, drawn once, so that each table agrees with the others."""

    def __init__(self, catalog: Catalog, scale: float) -> None:
        rng = random.Random(2025)
        self.count = int(LEARNERS * scale)
        self.courses = {course.key: course for course in catalog.courses}
        self.learners = []
        for number in range(1, self.count + 1):
            roll = rng.random()
            language = (
                "es" if roll < 0.55 else "en" if roll < 0.75 else "fr" if roll < 0.9 else "ht"
            )
            course = "entrepreneurship" if rng.random() < 0.6 else "digital_safety"
            lessons = min(rng.randint(6, 14), len(self.courses[course].lessons))
            self.learners.append(
                {
                    "id": number,
                    "created": START + timedelta(seconds=rng.randrange(365 * 86400)),
                    "language": language,
                    "channel": "whatsapp" if rng.random() < 0.3 else "sms",
                    "opted_out": rng.random() < 0.05,
                    "last": NOW - timedelta(hours=rng.randrange(24 * 120)),
                    "course": course,
                    "lessons": lessons,
                    "second": rng.random() < 0.15,
                    "tag": f"site-{rng.randrange(20):02d}" if rng.random() < 0.3 else None,
                }
            )
        self.deliveries = sum(learner["lessons"] for learner in self.learners)
        self.outbox = int(OUTBOX * scale)
        self.quiz = 0  # counted while the quiz rows are generated
        # Each lesson delivery's outcomes, as the app keeps them on the row (bot.messaging.outbox
        # and bot.learners.progress): noted while the outbox and quiz rows are generated.
        self.confirmed = bytearray(self.deliveries + 1)
        self.answered = bytearray(self.deliveries + 1)
        self.right = bytearray(self.deliveries + 1)

    def learner_rows(self) -> Iterator[tuple]:
        for p in self.learners:
            yield (
                p["id"],
                f"L{p['id']:016x}",
                f"h{p['id']}",
                p["channel"],
                p["language"],
                "opted_out" if p["opted_out"] else "active",
                p["course"],
                p["created"],
                p["last"],
                p["created"] + timedelta(days=30) if p["opted_out"] else None,
            )

    def enrollment_rows(self) -> Iterator[tuple]:
        number = 0
        for p in self.learners:
            complete = p["lessons"] == len(self.courses[p["course"]].lessons)
            finished = p["created"] + timedelta(days=p["lessons"]) if complete else None
            number += 1
            yield (number, p["id"], p["course"], p["created"], finished)
            if p["second"]:
                other = (
                    "digital_safety" if p["course"] == "entrepreneurship" else "entrepreneurship"
                )
                number += 1
                yield (number, p["id"], other, p["created"] + timedelta(days=20), None)

    def tag_rows(self) -> Iterator[tuple]:
        tagged = (p for p in self.learners if p["tag"])
        for number, p in enumerate(tagged, 1):
            yield (number, p["id"], p["tag"], p["created"])

    def _lessons(self) -> Iterator[tuple[dict, str, datetime]]:
        """(learner, lesson key, when) of every lesson delivered, in id order."""
        for p in self.learners:
            for index, lesson in enumerate(self.courses[p["course"]].lessons[: p["lessons"]]):
                yield p, lesson.key, p["created"] + timedelta(days=index + 1, minutes=index * 7)

    def delivery_rows(self) -> Iterator[tuple]:
        for number, (p, lesson, at) in enumerate(self._lessons(), 1):
            # Its outbox row has the same id (see outbox_rows).
            confirmed = at if self.confirmed[number] else None
            yield (number, p["id"], p["course"], lesson, at, number, confirmed,
                   self.answered[number], self.right[number])  # fmt: skip

    def outbox_rows(self) -> Iterator[tuple]:
        """The lessons' messages (ids 1..deliveries), then replies up to the total."""
        rng = random.Random(7)
        replies = max(self.outbox - self.deliveries, 0)
        senders = (
            (self.learners[n % self.count], START + timedelta(seconds=n * 31_536_000 // replies))
            for n in range(replies)
        )
        lessons = ((p, at) for p, _key, at in self._lessons())
        for number, (p, at) in enumerate(chain(lessons, senders), 1):
            kind = "lesson" if number <= self.deliveries else "reply"
            roll = rng.random()
            status = next((s for s, limit in STATUSES if roll < limit), "pending")
            if status == "read" and p["channel"] == "sms":
                status = "delivered"
            error = rng.choice(ERRORS) if status == "failed" else None
            reason = reason_for(error) if error else None
            if kind == "lesson":
                self.confirmed[number] = status in ("delivered", "read")
            sent = at if status != "pending" else None
            segments = 1 + number % 3 if p["channel"] == "sms" else 1
            yield (
                number,
                f"bench-{number}",
                p["id"],
                kind,
                status,
                reason,
                error,
                at,
                sent,
                segments,
            )

    def quiz_rows(self) -> Iterator[tuple]:
        rng = random.Random(11)
        number = delivery = 0
        for p in self.learners:
            for index, lesson in enumerate(self.courses[p["course"]].lessons[: p["lessons"]]):
                delivery += 1  # in the order of _lessons, as the deliveries are numbered
                at = p["created"] + timedelta(days=index + 1, hours=2)
                for question in lesson.questions:
                    if rng.random() > 0.75:
                        continue
                    tries = 2 if rng.random() < 0.1 else 1
                    for attempt in range(1, tries + 1):
                        number += 1
                        chosen = rng.randint(1, len(question.options))
                        right = chosen == question.correct_number
                        if attempt == 1:
                            self.answered[delivery] += 1
                            self.right[delivery] += right
                        yield (number, p["id"], lesson.key, question.key, chosen, right,
                               attempt, f"SQ{number:030x}", at)  # fmt: skip
        self.quiz = number

    def inbound_rows(self) -> Iterator[tuple]:
        total = int(EVENTS * self.count / LEARNERS) - self.outbox - self.quiz
        for number in range(1, total + 1):
            p = self.learners[number % self.count]
            at = p["created"] + timedelta(minutes=number % 100_000)
            yield (number, f"SM{number:032x}", p["id"], p["channel"], "hola", at, "done")


COLUMNS = {
    "learner": "id public_id phone_hash channel language status course_key created_at "
    "last_inbound_at opted_out_at",
    "enrollment": "id learner_id course_key enrolled_at completed_at",
    "learner_tag": "id learner_id tag created_at",
    "outbox_message": "id idempotency_key learner_id kind status failure_reason error_code "
    "created_at sent_at segments",
    "lesson_delivery": "id learner_id course_key lesson_key delivered_at outbox_id "
    "delivered_confirmed_at questions_answered answered_right",
    "quiz_attempt": "id learner_id lesson_key question_key chosen_option correct attempt_number "
    "inbound_message_sid answered_at",
    "inbound_message": "id message_sid learner_id channel body received_at status",
}
# Parents first: outbox rows before the deliveries that point at them; outbox and
# quiz rows before the deliveries, whose outcomes they decide.
ORDER = (
    ("learner", Plan.learner_rows),
    ("enrollment", Plan.enrollment_rows),
    ("learner_tag", Plan.tag_rows),
    ("outbox_message", Plan.outbox_rows),
    ("quiz_attempt", Plan.quiz_rows),
    ("lesson_delivery", Plan.delivery_rows),
    ("inbound_message", Plan.inbound_rows),
)


def with_defaults(table: Table, columns: list[str]) -> tuple[list[str], tuple]:
    """Add the NOT NULL columns the plan leaves out, with their model defaults."""
    extra = [
        column
        for column in table.columns
        if column.name not in columns
        and not column.nullable
        and not column.primary_key
        and column.default is not None
        and column.default.is_scalar
    ]
    return columns + [c.name for c in extra], tuple(c.default.arg for c in extra)  # type: ignore[union-attr]


def load(engine: Engine, name: str, rows: Iterable[tuple]) -> int:
    return bulk_load(engine, name, COLUMNS[name].split(), rows)


def bulk_load(
    engine: Engine, name: str, columns: list[str], rows: Iterable[tuple], batch_size: int = 50_000
) -> int:
    """Insert ``rows`` (values for ``columns``, ids included) the fastest way each engine has.

    SQLite: ``executemany`` in batches; PostgreSQL: COPY. The NOT NULL columns
    left out get their model defaults. Returns the number of rows.
    """
    columns, defaults = with_defaults(Base.metadata.tables[name], columns)
    count = 0
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if engine.dialect.name == "sqlite":
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
            batch: list[tuple] = []
            for row in rows:
                batch.append(tuple(sqlite_value(v) for v in row) + defaults)
                if len(batch) == batch_size:
                    cursor.executemany(sql, batch)
                    count, batch = count + len(batch), []
            cursor.executemany(sql, batch)
            count += len(batch)
        else:
            statement = f"COPY {name} ({', '.join(columns)}) FROM STDIN"
            with cursor.copy(statement) as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row + defaults)
                    count += 1
            # COPY with explicit ids bypasses the sequence: the next id the app
            # writes must not collide with a loaded one.
            cursor.execute(
                f"SELECT setval('{name}_id_seq', (SELECT COALESCE(MAX(id), 1) FROM {name}))"  # noqa: S608
            )
        raw.commit()
    finally:
        raw.close()
    return count


def sqlite_value(value: object) -> object:
    # The text form SQLAlchemy's SQLite DateTime stores (and compares as text).
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value


def fill(engine: Engine, plan: Plan) -> None:
    Base.metadata.create_all(engine)
    counts = {}
    started = time.perf_counter()
    for name, rows in ORDER:
        counts[name] = load(engine, name, rows(plan))
    analyze(engine)
    with engine.begin() as connection:
        connection.execute(
            staff_models.StaffUser.__table__.insert().values(
                email="bench@example.org",
                password_hash=hash_password("bench password 1"),
                role="coordinator",
                active=True,
                created_at=NOW,
            )
        )
    events = counts["outbox_message"] + counts["quiz_attempt"] + counts["inbound_message"]
    print(
        f"  loaded in {time.perf_counter() - started:.0f} s (then (VACUUM) ANALYZE): "
        + ", ".join(f"{name} {n:,}" for name, n in counts.items())
        + f"; message and quiz events {events:,}"
    )


def time_pages(database_url: str, catalog: Catalog, repeat: int) -> list[tuple[str, float]]:
    settings = load_settings().with_overrides({"app.database_url": database_url, "testing": True})
    app = create_app(settings=settings)
    services(app).clock = lambda: NOW
    services(app).lessons = catalog
    client = app.test_client()
    # A server-side session for account 1 (bot.staff.sessions), as a log-in opens it.
    with session_scope(services(app).sessions) as db:
        token = staff_sessions.start(db, 1, NOW)
    with client.session_transaction() as session:
        session["staff_session"] = token
    results = []
    for name, path in {**PAGES, **{f"{k} (i)": v for k, v in WIDE_PAGES.items()}}.items():
        timings = []
        for _ in range(repeat + 1):  # the first warms the caches
            started = time.perf_counter()
            response = client.get(path)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
        results.append((name, statistics.median(timings[1:])))
    started = time.perf_counter()
    size = len(client.get("/dashboard/export/progress.csv").data)
    results.append(
        (f"progress CSV ({size / 1e6:.1f} MB, once; an export)", time.perf_counter() - started)
    )
    services(app).close()
    return results


def report(name: str, results: Sequence[tuple[str, float]]) -> None:
    print(f"  {'page':<42}{'median':>10}{'of target':>11}")
    for page, seconds in results:
        print(f"  {page:<42}{seconds * 1000:>8.0f} ms{seconds / TARGET_SECONDS:>10.2f}")
    worst = max(seconds for page, seconds in results if "CSV" not in page and "(i)" not in page)
    ratio = worst / TARGET_SECONDS
    print(f"  {name}: slowest page {worst * 1000:.0f} ms = {ratio:.2f} of the 1 s target")
    print("  (i): for information, a period wider than the view's default")


def reuse(engine: Engine) -> None:
    """A database kept from an earlier run: add the indexes the models gained since."""
    for table in Base.metadata.sorted_tables:
        for index in table.indexes:
            index.create(engine, checkfirst=True)
    analyze(engine)
    print("  reusing the kept database")


def analyze(engine: Engine) -> None:
    """What a live database has: statistics, and on PostgreSQL what autovacuum does
    after a bulk load (the visibility map that index-only scans rely on)."""
    statement = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(statement))


def bench_sqlite(plan: Plan, catalog: Catalog, repeat: int, keep: str | None) -> None:
    print("sqlite:")
    with tempfile.TemporaryDirectory() as directory:
        path = Path(keep or f"{directory}/bench.db")
        kept = keep is not None and path.exists()
        url = f"sqlite:///{path.resolve()}"
        engine = make_engine(url)
        if kept:
            reuse(engine)
        else:
            fill(engine, plan)
        engine.dispose()
        report("sqlite", time_pages(url, catalog, repeat))


def bench_postgres(
    server: str, plan: Plan, catalog: Catalog, repeat: int, keep: str | None
) -> None:
    print("postgres:")
    schema = keep or f"bench_dashboard_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT count(*) FROM information_schema.schemata WHERE schema_name = :s"),
            {"s": schema},
        )
        if not exists:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        url = f"{server}?options=-csearch_path%3D{schema}"
        engine = make_engine(url)
        if exists:
            reuse(engine)
        else:
            fill(engine, plan)
        engine.dispose()
        report("postgres", time_pages(url, catalog, repeat))
    finally:
        if not keep:
            with admin.connect() as connection:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0: 100,000 learners")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql+psycopg://root@localhost:5432/test"
        ),
    )
    parser.add_argument("--keep-sqlite", metavar="FILE", help="keep (and reuse) this database")
    parser.add_argument("--keep-schema", metavar="NAME", help="keep (and reuse) this schema")
    args = parser.parse_args()
    catalog = load_catalog(load_settings().lessons_path)
    started = time.perf_counter()
    plan = Plan(catalog, args.scale)
    elapsed = time.perf_counter() - started
    print(f"plan: {plan.count:,} learners, {plan.deliveries:,} lessons delivered ({elapsed:.0f} s)")
    if args.only != "postgres":
        bench_sqlite(plan, catalog, args.repeat, args.keep_sqlite)
    if args.only != "sqlite":
        bench_postgres(args.postgres_url, plan, catalog, args.repeat, args.keep_schema)


if __name__ == "__main__":
    main()
