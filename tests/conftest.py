"""Shared fixtures: settings on a throwaway SQLite database, the app, a session.

Every test runs with a fresh database built by the real Alembic migrations.
An autouse guard refuses connections to anything but loopback, so that no test
can reach Twilio or any other real service by accident.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.orm import Session

from bot import create_app
from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.ops.tally import TALLY
from bot.settings import Settings, load_settings
from tests.browser import browser, live_server  # noqa: F401  (fixtures for browser tests)

TEST_AUTH_TOKEN = "test-twilio-auth-token"


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: object) -> object:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else address
            if host not in ("127.0.0.1", "::1", "localhost"):
                raise RuntimeError(f"test tried to reach the network: {host}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(autouse=True)
def _no_counts_from_earlier_tests() -> None:
    # The metric counts are per process (bot.ops.tally): each test starts from none.
    TALLY.take()


def make_test_settings(tmp_path: Path, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Settings on a temporary database, with test secrets and no real Twilio.

    ``overrides`` are dotted paths: ``{"sender.rate_per_second": 1000}``.
    """
    values: dict[str, Any] = {
        "app.database_url": f"sqlite:///{tmp_path / 'lessonbot.db'}",
        "rasa.tracker_store_url": f"sqlite:///{tmp_path / 'rasa_tracker.db'}",
        "app.public_url": "https://lessonbot.example.org",
        "secrets.phone_hash_key": "test-hash-key",
        "secrets.phone_encryption_key": Fernet.generate_key().decode(),
        "rasa.token": "test-rasa-token",
        "twilio.auth_token": TEST_AUTH_TOKEN,
        # Never the project's var/spool: the app replays its spool when it starts.
        "webhook.spool_directory": str(tmp_path / "spool"),
        "testing": True,
    }
    values.update(overrides or {})
    return load_settings().with_overrides(values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = make_test_settings(tmp_path)
    upgrade(settings)
    return settings


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    return create_app(settings=settings)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def db_session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.app.database_url)
    session = make_session_factory(engine)()
    try:
        yield session
    finally:
        session.close()
        engine.dispose()
