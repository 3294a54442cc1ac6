"""Fixtures the worker's tests share: a session factory, and Rasa clients for stand-in servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine, make_session_factory
from bot.messaging.rasa_client import RasaClient
from bot.settings import Settings


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.app.database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def rasa_at(settings: Settings) -> Iterator[Callable[[str], RasaClient]]:
    """Rasa clients for the URLs of stand-in servers, closed after the test."""
    clients: list[RasaClient] = []

    def make(url: str) -> RasaClient:
        clients.append(RasaClient(settings.with_overrides({"rasa.url": url})))
        return clients[-1]

    yield make
    for client in clients:
        client.close()
