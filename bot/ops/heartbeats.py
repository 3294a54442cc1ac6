"""Heartbeats: the worker's turn loop and the scheduler show, every few seconds, that they run.

Each process keeps its own row (``worker@host:pid``), so several workers
each beat; ``/readyz`` and ``/metrics`` read the newest beat of each kind.
A beat also adds the process's counts to the database (``bot.ops.tally``):
one small write every ``HEARTBEAT_SECONDS`` for both.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.ops.models import Heartbeat
from bot.ops.tally import TALLY, Tally, flush

HEARTBEAT_SECONDS = 10.0
KINDS = ("worker", "scheduler")
# A process gone this long has its row removed by the others of its kind.
FORGOTTEN_AFTER = timedelta(days=1)


def process_name(kind: str) -> str:
    """This process, as its heartbeat names it (host and pid: no personal data)."""
    return f"{kind}@{socket.gethostname()}:{os.getpid()}"[:160]


def beat(session: Session, kind: str, process: str, started_at: datetime, now: datetime) -> None:
    """Record that ``process`` is alive now; forget the long-dead ones of its kind."""
    row = session.get(Heartbeat, process)
    if row is None:
        session.add(Heartbeat(process=process, kind=kind, started_at=started_at, beat_at=now))
    else:
        row.beat_at = now
    session.execute(
        delete(Heartbeat).where(Heartbeat.kind == kind, Heartbeat.beat_at < now - FORGOTTEN_AFTER)
    )


def newest_beats(session: Session) -> dict[str, datetime]:
    """The newest beat of each kind of process that ever beat."""
    rows = session.execute(select(Heartbeat.kind, func.max(Heartbeat.beat_at)).group_by("kind"))
    return {kind: beat_at for kind, beat_at in rows}


class Pulse:
    """Call it every pass of a loop: every ``HEARTBEAT_SECONDS`` it beats and flushes counts."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        kind: str,
        started_at: datetime,
        tally: Tally = TALLY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self.kind = kind
        self.process = process_name(kind)
        self._started_at = started_at
        self._tally = tally
        self._clock = clock
        self._next = clock()

    def __call__(self, now: datetime) -> bool:
        """Beat if it is time; True when it did."""
        if self._clock() < self._next:
            return False
        self._next = self._clock() + HEARTBEAT_SECONDS
        with session_scope(self._sessions) as session:
            beat(session, self.kind, self.process, self._started_at, now)
        flush(self._sessions, self._tally)
        return True
