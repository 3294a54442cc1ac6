"""Rasa's tracker table as Rasa 3.6 creates it (rasa/core/tracker_store.py, SQLEvent).

The unit tests write events as Rasa writes them and read what is left; the
integration tests (marker ``rasa``) check the same against the real server.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, create_engine, select

metadata = MetaData()
EVENTS = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


def user_event(sender_id: str, text: str, at: datetime, message_sid: str) -> dict[str, Any]:
    """A row of a learner's message, as Rasa stores it."""
    timestamp = at.replace(tzinfo=UTC).timestamp()
    data = {
        "event": "user",
        "timestamp": timestamp,
        "text": text,
        "parse_data": {"text": text, "intent": {"name": "greet"}, "entities": []},
        "metadata": {"message_sid": message_sid, "channel": "sms"},
    }
    return {
        "sender_id": sender_id,
        "type_name": "user",
        "timestamp": timestamp,
        "intent_name": "greet",
        "data": json.dumps(data),
    }


def write_events(url: str, rows: list[dict[str, Any]]) -> None:
    engine = create_engine(url)
    try:
        metadata.create_all(engine)
        with engine.begin() as connection:
            connection.execute(EVENTS.insert(), rows)
    finally:
        engine.dispose()


def stored_data(url: str) -> list[str]:
    """Every event's sender and JSON, as text: what a reader of Rasa's database finds."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(EVENTS.c.sender_id, EVENTS.c.data)).all()
    finally:
        engine.dispose()
    return [f"{sender} {data}" for sender, data in rows]
