"""A PostgreSQL database of a test's own, on the server on localhost.

Tests marked ``postgres`` that need PostgreSQL's own behaviour (row locks,
advisory locks, SQL that differs from SQLite) each get a fresh database,
dropped afterwards. Without a server on 127.0.0.1:5432 they fail: a test that
needs a service never passes by skipping it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

# One implementation with the benchmarks'; here a missing server fails the test.
from bench.postgres import PostgresUnavailable
from bench.postgres import scratch_database as _scratch_database


@contextmanager
def scratch_database(prefix: str) -> Iterator[str]:
    """Create a database named ``{prefix}_{random}``; yield its URL; drop it."""
    try:
        with _scratch_database(prefix) as url:
            yield url
    except PostgresUnavailable as error:
        pytest.fail(f"no PostgreSQL server on 127.0.0.1:5432: {error}")
