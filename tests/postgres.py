"""A PostgreSQL database of a test's own, on the server on localhost.

Tests marked ``postgres`` that need PostgreSQL's own behaviour (row locks,
advisory locks, SQL that differs from SQLite) each get a fresh database,
dropped afterwards. Without a server on 127.0.0.1:5432 they fail: a test that
needs a service never passes by skipping it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

SERVER = "postgresql+psycopg://root@127.0.0.1:5432"


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
        pytest.fail(f"no PostgreSQL server on 127.0.0.1:5432: {error.orig}")
    try:
        yield f"{SERVER}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
