"""Fixtures for the broadcast tests.

The database with its schema and four staff accounts is built once (argon2
hashing is slow on purpose) and each test gets a copy of the file.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import create_app
from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.services import services
from bot.settings import Settings, load_settings
from bot.staff.models import StaffUser
from lessons import Catalog, load_catalog
from tests.broadcasts.builders import NOW, STAFF, add_staff
from tests.conftest import make_test_settings

DATABASE_FILE = "lessonbot.db"  # the name make_test_settings gives it


@pytest.fixture(scope="session")
def staffed_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("broadcasts")
    settings = make_test_settings(folder)
    upgrade(settings)
    engine = make_engine(settings.app.database_url)
    try:
        with make_session_factory(engine)() as session:
            for name, role in STAFF.items():
                add_staff(session, f"{name}@example.org", role)
            session.commit()
    finally:
        engine.dispose()
    return folder / DATABASE_FILE


@pytest.fixture
def settings(tmp_path: Path, staffed_database: Path) -> Settings:
    shutil.copyfile(staffed_database, tmp_path / DATABASE_FILE)
    return make_test_settings(tmp_path)


@pytest.fixture
def people(db_session: Session) -> dict[str, StaffUser]:
    """The staff accounts by name: author, colleague (staff), coordinator, admin."""
    users = db_session.scalars(select(StaffUser)).all()
    return {user.email.split("@")[0]: user for user in users}


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.app.database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(load_settings().lessons_path)


@pytest.fixture
def app(settings: Settings, catalog: Catalog) -> Flask:
    app = create_app(settings=settings)
    services(app).clock = lambda: NOW
    services(app).lessons = catalog
    return app


def pytest_configure(config: pytest.Config) -> None:
    # Until pyproject.toml lists them (--strict-markers refuses unknown markers).
    config.addinivalue_line(
        "markers", "browser: drives Debian's chromium through Playwright (needs `chromium`)"
    )
    config.addinivalue_line("markers", "slow: takes minutes (a worker killed and restarted)")
