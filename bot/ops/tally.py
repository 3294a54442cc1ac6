"""The counts every process adds to: kept in memory, added to the database every few seconds.

Why the database rather than prometheus_client's multiprocess mode: the
counts come from several kinds of process (gunicorn's web workers, any
number of ``lessonbot worker`` processes, the scheduler), on one machine or
several. Multiprocess mode sums only the processes of one machine that share
a directory, and the worker and the scheduler would each need a port of
their own to be scraped (two workers on one machine, two ports). Kept here,
in the ``metric_counter`` table, one scrape of the web's ``/metrics`` sees
the whole system, counts survive restarts (a counter never resets when a
worker is replaced), and nothing needs a directory cleaned at start. The
price is one small transaction per process every ``FLUSH_SECONDS`` and, on
a kill, the counts of the last few seconds; the gauges (queue depths,
heartbeats) are read from the database at scrape time and lose nothing.

Labels are outcomes, channels, job ids and provider error codes: never a
phone number, a learner's id or a message text.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Executable, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.ops.models import MetricCounter

log = logging.getLogger(__name__)

# How often a process adds what it counted to the database.
FLUSH_SECONDS = 10.0
# A turn through Rasa takes about 65 ms here; a slow action or a queue at Rasa, seconds.
TURN_SECONDS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 60.0)


@dataclass(frozen=True)
class Counted:
    """A counter ``/metrics`` shows (its name without ``_total``), with its help and labels."""

    name: str
    help: str
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Timed:
    """A histogram ``/metrics`` shows, in seconds."""

    name: str
    help: str
    buckets: tuple[float, ...]


MESSAGES_RECEIVED = Counted(
    "lessonbot_messages_received",
    "Learner messages the webhook took: stored, repeated (a MessageSid seen before) or spooled",
    ("channel", "intake"),
)
TURNS = Counted("lessonbot_turns", "Learner messages run through Rasa, by outcome", ("outcome",))
SENDS = Counted(
    "lessonbot_sends",
    "Outbox messages handed to the channel, by outcome and provider error code",
    ("outcome", "error_code"),
)
DELIVERY_REPORTS = Counted(
    "lessonbot_delivery_reports",
    "Status callbacks from the provider, by status and error code",
    ("status", "error_code"),
)
JOB_RUNS = Counted(
    "lessonbot_scheduler_job_runs", "Scheduler job runs, by job and outcome", ("job", "outcome")
)
JOB_ITEMS = Counted(
    "lessonbot_scheduler_job_items",
    "What the scheduler's jobs did (their summaries: lessons sent, rows purged ...)",
    ("job", "item"),
)
TURN_SECONDS = Timed(
    "lessonbot_turn_seconds", "Time a learner's message spent in its turn", TURN_SECONDS_BUCKETS
)
COUNTERS = (MESSAGES_RECEIVED, TURNS, SENDS, DELIVERY_REPORTS, JOB_RUNS, JOB_ITEMS)
HISTOGRAMS = (TURN_SECONDS,)

Key = tuple[str, str]  # (sample name, labels as sorted JSON)


def label_text(labels: dict[str, str]) -> str:
    return json.dumps(labels, sort_keys=True, separators=(",", ":"))


def bucket_text(bound: float) -> str:
    return "+Inf" if bound == float("inf") else repr(float(bound))


class Tally:
    """What this process counted since its last flush; safe to use from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: defaultdict[Key, float] = defaultdict(float)

    def count(self, metric: Counted, amount: float = 1.0, **labels: str) -> None:
        if set(labels) != set(metric.labels):
            raise ValueError(f"{metric.name} takes labels {metric.labels}, not {sorted(labels)}")
        self._add([((metric.name + "_total", label_text(labels)), amount)])

    def observe(self, metric: Timed, seconds: float) -> None:
        none = label_text({})
        added = [((f"{metric.name}_sum", none), seconds), ((f"{metric.name}_count", none), 1.0)]
        for bound in (*metric.buckets, float("inf")):
            if seconds <= bound:
                key = (f"{metric.name}_bucket", label_text({"le": bucket_text(bound)}))
                added.append((key, 1.0))
        self._add(added)

    def take(self) -> dict[Key, float]:
        """Everything counted since the last take (and forget it here)."""
        with self._lock:
            taken, self._pending = dict(self._pending), defaultdict(float)
        return taken

    def give_back(self, taken: dict[Key, float]) -> None:
        """Keep what a failed flush could not store, for the next one."""
        self._add(taken.items())

    def _add(self, items: Iterable[tuple[Key, float]]) -> None:
        with self._lock:
            for key, amount in items:
                self._pending[key] += amount


# One per process, as prometheus_client's own default registry.
TALLY = Tally()
_TABLE: Table = MetricCounter.__table__  # type: ignore[assignment]


def _add_to(dialect: str, name: str, labels: str, amount: float) -> Executable:
    """INSERT the row, or add to its value: the same statement on PostgreSQL and SQLite."""
    values = {"name": name, "labels": labels, "value": amount}
    if dialect == "postgresql":
        pg = postgresql.insert(_TABLE).values(values)
        return pg.on_conflict_do_update(
            index_elements=["name", "labels"], set_={"value": _TABLE.c.value + pg.excluded.value}
        )
    lite = sqlite.insert(_TABLE).values(values)
    return lite.on_conflict_do_update(
        index_elements=["name", "labels"], set_={"value": _TABLE.c.value + lite.excluded.value}
    )


def flush(sessions: sessionmaker[Session], tally: Tally = TALLY) -> int:
    """Add what ``tally`` counted to the database, in one transaction; return the rows touched.

    In key order, so that two processes adding to the same rows on
    PostgreSQL always lock them in the same order (no deadlock). Should the
    database fail, the counts stay in the tally for the next flush.
    """
    taken = tally.take()
    if not taken:
        return 0
    try:
        with session_scope(sessions) as session:
            dialect = session.get_bind().dialect.name
            for (name, labels), amount in sorted(taken.items()):
                session.execute(_add_to(dialect, name, labels, amount))
    except BaseException:
        tally.give_back(taken)
        raise
    return len(taken)
