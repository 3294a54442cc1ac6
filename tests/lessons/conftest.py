"""Fixtures for the lesson tooling tests."""

from __future__ import annotations

import pytest

from tests.lessons.gettext_catalogs import compiled_catalogs_exist, use_test_catalogs


@pytest.fixture
def test_catalogs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The small in-memory footer catalogs: tests that must not depend on bot/translations."""
    use_test_catalogs(monkeypatch)


@pytest.fixture
def shipped_catalogs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled catalogs when `make catalogs` has run, else the in-memory ones."""
    if not compiled_catalogs_exist():
        use_test_catalogs(monkeypatch)
