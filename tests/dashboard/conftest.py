"""Fixtures for the dashboard: the seeded data set, staff accounts, a fixed clock.

The seeded database is built once (migrations, data set, accounts) and each
test gets a copy of the file, so tests may change it freely.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from bot import create_app
from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.services import services
from bot.settings import Settings, load_settings
from bot.staff.accounts import create_user
from lessons import Catalog, load_catalog
from tests.conftest import make_test_settings
from tests.dashboard.pages import fixed_clock, log_in
from tests.dashboard.seed import NOW, seed, seeded_catalog

PASSWORD = "correct horse battery staple"
USERS = {
    "coordinator": "coord@example.org",
    "staff": "staff@example.org",
    "admin": "admin@example.org",
}
DATABASE_FILE = "lessonbot.db"  # the name make_test_settings gives it


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return seeded_catalog(load_catalog(load_settings().lessons_path))


@pytest.fixture(scope="session")
def seeded_database(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog) -> Path:
    folder = tmp_path_factory.mktemp("seeded")
    settings = make_test_settings(folder)
    upgrade(settings)
    engine = make_engine(settings.app.database_url)
    try:
        with make_session_factory(engine)() as session:
            seed(session, catalog)
            for role, email in USERS.items():
                create_user(session, email, role, PASSWORD, NOW)
            session.commit()
    finally:
        engine.dispose()
    return folder / DATABASE_FILE


@pytest.fixture
def settings(tmp_path: Path, seeded_database: Path) -> Settings:
    """The shared fixture's settings, on a copy of the seeded database."""
    shutil.copyfile(seeded_database, tmp_path / DATABASE_FILE)
    return make_test_settings(tmp_path)


@pytest.fixture
def app(settings: Settings, catalog: Catalog) -> Flask:
    app = create_app(settings=settings)
    services(app).clock = fixed_clock
    services(app).lessons = catalog
    return app


@pytest.fixture
def accounts() -> dict[str, str]:
    return USERS


@pytest.fixture
def coordinator(client) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A test client logged in as a coordinator."""
    response = log_in(client, USERS["coordinator"], PASSWORD)
    assert response.status_code == 302
    yield client
