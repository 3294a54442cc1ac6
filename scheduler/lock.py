"""Make sure only one scheduler runs against a database.

APScheduler's own FAQ warns that two processes sharing a job store run every
job twice. PostgreSQL: a session-level advisory lock held for the life of the
process. SQLite: an exclusive lock on a file next to the database.
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, Engine, text

ADVISORY_LOCK_ID = 0x1E55_0B07  # any fixed number, the same in every scheduler


class SchedulerAlreadyRunning(RuntimeError):
    """Another scheduler holds the lock for this database."""


class SingleSchedulerLock:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        if self._engine.dialect.name == "postgresql":
            self._connection = self._engine.connect()
            got = self._connection.scalar(
                text("SELECT pg_try_advisory_lock(:id)"), {"id": ADVISORY_LOCK_ID}
            )
            if not got:
                self._connection.close()
                raise SchedulerAlreadyRunning(
                    "another scheduler holds the PostgreSQL advisory lock"
                )
            return
        database = self._engine.url.database or "lessonbot"
        path = Path(database + ".scheduler.lock")
        self._file = path.open("w")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            self._file.close()
            raise SchedulerAlreadyRunning(f"another scheduler holds {path}") from error

    def release(self) -> None:
        if self._connection is not None:
            self._connection.close()
        if self._file is not None:
            self._file.close()
