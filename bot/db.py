"""Database engine, session factory and the declarative base.

The caller owns the session: service functions take a ``Session`` and do not
commit; the request, job or action that opened it commits.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from functools import partial
from typing import Any

from sqlalchemy import CursorResult, Engine, Enum, MetaData, Result, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Stable constraint names so that Alembic migrations are the same on SQLite
# and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def vocabulary(kind: type[StrEnum], length: int) -> Enum:
    """A column of one of ``bot.vocab``'s StrEnums, stored as its plain value in VARCHAR(length).

    Read back as the enum member. No native enum type and no CHECK constraint:
    the schema stays what the migrations made (a plain string column), and a
    new member needs no migration.
    """
    return Enum(
        kind,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def rowcount(result: Result[Any]) -> int:
    """Rows an INSERT, UPDATE or DELETE touched (its result is a CursorResult)."""
    assert isinstance(result, CursorResult)
    return result.rowcount


def make_engine(database_url: str, wait_seconds: float = 30.0) -> Engine:
    """Create an engine; SQLite gets WAL and a busy timeout for several processes.

    ``wait_seconds`` bounds how long a statement waits for a lock (SQLite's
    busy timeout; PostgreSQL's lock and statement timeouts, and the connect
    timeout): the webhooks pass a short one so that a stalled database makes
    them spool the message instead of keeping Twilio waiting.

    ``hide_parameters``: an SQL error's text (logged, or shown in a traceback)
    names the statement but not its values, which may be a learner's message.
    """
    if database_url.startswith("sqlite"):
        busy_ms = max(1, round(wait_seconds * 1000))
        engine = create_engine(
            database_url, connect_args={"timeout": wait_seconds}, hide_parameters=True
        )
        event.listen(engine, "connect", _configure_sqlite)
        event.listen(engine, "connect", partial(_set_busy_timeout, busy_ms=busy_ms))
        return engine
    if wait_seconds >= 30.0:
        return create_engine(database_url, pool_pre_ping=True, hide_parameters=True)
    wait_ms = max(1, round(wait_seconds * 1000))
    options = f"-c lock_timeout={wait_ms} -c statement_timeout={wait_ms}"
    connect_args = {"connect_timeout": max(1, math.ceil(wait_seconds)), "options": options}
    return create_engine(
        database_url,
        pool_pre_ping=True,
        pool_timeout=wait_seconds,
        connect_args=connect_args,
        hide_parameters=True,
    )


def _configure_sqlite(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    # WAL lets the web, worker and scheduler processes read while one writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _set_busy_timeout(dbapi_connection, _record, busy_ms: int) -> None:  # type: ignore[no-untyped-def]
    dbapi_connection.execute(f"PRAGMA busy_timeout={busy_ms:d}")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session, commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
