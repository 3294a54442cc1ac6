"""What the database holds at the end of a run: the rows the ledger reads.

Plain SQL on the tables' names and columns (the schema changes only through
Alembic, the Python models may move), read in one go.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, text


@dataclass(frozen=True)
class Snapshot:
    learners: dict[int, dict[str, Any]]  # by id
    inbound: dict[str, dict[str, Any]]  # by MessageSid
    outbox: dict[str, dict[str, Any]]  # by idempotency key
    recipients: list[dict[str, Any]]  # broadcast recipients


QUERIES = {
    "learners": "SELECT id, public_id, phone_hash, status, language FROM learner",
    "inbound": (
        "SELECT id, message_sid, learner_id, status, last_error, attempts FROM inbound_message"
    ),
    "outbox": (
        "SELECT id, idempotency_key, learner_id, inbound_id, kind, status, body,"
        " allow_when_opted_out, error_message, attempts FROM outbox_message"
    ),
    "recipients": "SELECT learner_id, state, reason, outbox_id FROM broadcast_recipient",
}


def take(database_url: str) -> Snapshot:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            found = {
                name: [dict(row._mapping) for row in connection.execute(text(query))]
                for name, query in QUERIES.items()
            }
    finally:
        engine.dispose()
    return Snapshot(
        learners={row["id"]: row for row in found["learners"]},
        inbound={row["message_sid"]: row for row in found["inbound"]},
        outbox={row["idempotency_key"]: row for row in found["outbox"]},
        recipients=found["recipients"],
    )


def progress(database_url: str) -> dict[str, int]:
    """Counts that change while work is done: stalls show as none of them moving."""
    query = text(
        "SELECT 'in_' || status, count(*) FROM inbound_message GROUP BY status"
        " UNION ALL SELECT 'out_' || status, count(*) FROM outbox_message GROUP BY status"
        " UNION ALL SELECT 'bc_' || state, count(*) FROM broadcast_recipient GROUP BY state"
    )
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return {str(name): int(count) for name, count in connection.execute(query)}
    finally:
        engine.dispose()
