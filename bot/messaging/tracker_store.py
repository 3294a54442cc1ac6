"""Rasa's SQL tracker store, reached directly: erasure and the retention purge.

Rasa 3.6 has no endpoint to delete a conversation or its old events, so the
app deletes rows of Rasa's ``events`` table (rasa/core/tracker_store.py,
``SQLEvent``: one row per event, ``sender_id`` the learner's opaque id,
``timestamp`` seconds since the epoch, ``data`` the event's JSON with the
learner's text) through SQLAlchemy, on SQLite or PostgreSQL alike. Rasa reads
the tracker from the store on every turn, so the deletions hold.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import Engine, column, delete, inspect, table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.db import make_engine, rowcount
from bot.settings import Settings

log = logging.getLogger(__name__)

_EVENTS = table("events", column("sender_id"), column("timestamp"))


def app_tracker_url(settings: Settings) -> str:
    """``rasa.tracker_store_url`` as the app connects to it: its psycopg driver, the password.

    The settings name the store as Rasa does (``postgresql://``, psycopg2 in
    Rasa's environment); the app's environment has psycopg 3. The password
    comes from the environment (``rasa.tracker_store_password``).
    """
    url = make_url(settings.rasa.tracker_store_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    if settings.rasa.tracker_store_password:
        url = url.set(password=settings.rasa.tracker_store_password)
    return url.render_as_string(hide_password=False)


class TrackerStoreUnavailable(Exception):
    """The tracker database did not answer: try again later."""


class TrackerStore:
    def __init__(self, url: str) -> None:
        self._url = url
        self._engine: Engine | None = None

    def delete_conversation(self, sender_id: str) -> int:
        """Delete every event of one conversation; return how many."""
        deleted = self._delete(_EVENTS.c.sender_id == sender_id)
        log.info("rasa tracker of %s deleted (%d events)", sender_id, deleted)
        return deleted

    def delete_events_before(self, cutoff: datetime) -> int:
        """Delete the events of every conversation older than ``cutoff`` (naive UTC)."""
        return self._delete(_EVENTS.c.timestamp < cutoff.replace(tzinfo=UTC).timestamp())

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

    def _delete(self, condition: object) -> int:
        if self._engine is None:
            self._engine = make_engine(self._url)
        try:
            with self._engine.begin() as connection:
                if not inspect(connection).has_table("events"):
                    return 0  # Rasa never stored a conversation here
                return rowcount(connection.execute(delete(_EVENTS).where(condition)))  # type: ignore[arg-type]
        except OperationalError as error:
            raise TrackerStoreUnavailable(f"tracker store: {error.orig}") from error
