"""A PostgreSQL database of the run's own, on the machine's server (trust auth on localhost)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

SERVER = "postgresql+psycopg://root@127.0.0.1:5432"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server answered, or it refused to create the database."""


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """Create a database named ``{prefix}_{random}``; yield its URL; drop it."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine(f"{SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        raise PostgresUnavailable(type(error.orig).__name__) from error
    try:
        yield f"{SERVER}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
