"""The dashboard's seeded database and staff accounts, plus three open conversations."""

from __future__ import annotations

import re

import pytest

from bot.db import make_engine, make_session_factory
from tests.dashboard.conftest import (  # noqa: F401  (fixtures, found by name)
    PASSWORD,
    USERS,
    app,
    catalog,
    seeded_database,
    settings,
)
from tests.dashboard.pages import log_in
from tests.inbox.seed import Seeded, seed_inbox

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def inbox(settings) -> dict[str, Seeded]:  # type: ignore[no-untyped-def]  # noqa: F811
    engine = make_engine(settings.app.database_url)
    try:
        with make_session_factory(engine)() as session:
            return seed_inbox(session, settings)
    finally:
        engine.dispose()


def logged_in(client, role: str):  # type: ignore[no-untyped-def]
    assert log_in(client, USERS[role], PASSWORD).status_code == 302
    return client


def csrf(client, path: str = "/staff/password") -> str:  # type: ignore[no-untyped-def]
    found = _TOKEN.search(client.get(path).get_data(as_text=True))
    assert found, path
    return found.group(1)
