"""The dashboard's seeded database (100 learners, tags, progress) and staff accounts."""

from __future__ import annotations

from tests.dashboard.conftest import (  # noqa: F401  (fixtures, found by name)
    app,
    catalog,
    seeded_database,
    settings,
)
