"""The dashboard's seeded database and staff accounts serve the error-page tests too."""

from __future__ import annotations

from tests.dashboard.conftest import (  # noqa: F401  (fixtures, found by name)
    app,
    catalog,
    seeded_database,
    settings,
)
