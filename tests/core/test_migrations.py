"""The models and the Alembic migrations describe the same schema.

A migrated database compared with the models by Alembic's own autogenerate
(``compare_metadata``, types included) shows no difference: a model changed
without a migration, or a migration that drifted from the models, fails here.
Both on SQLite and on PostgreSQL, whose types and indexes differ.
"""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from bot import models  # noqa: F401  (the tables, as the migrations' env.py registers them)
from bot.broadcasts import models as broadcast_models  # noqa: F401
from bot.db import Base, make_engine
from bot.inbox import models as inbox_models  # noqa: F401
from bot.migrate import upgrade
from bot.ops import models as ops_models  # noqa: F401
from bot.settings import Settings
from bot.staff import models as staff_models  # noqa: F401
from tests.conftest import make_test_settings
from tests.postgres import scratch_database


def differences(settings: Settings) -> list[object]:
    engine = make_engine(settings.app.database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_a_migrated_sqlite_database_matches_the_models(settings):
    assert differences(settings) == []


def test_a_migrated_postgresql_database_matches_the_models(tmp_path: Path):
    with scratch_database("lessonbot_schema") as url:
        settings = make_test_settings(tmp_path, {"app.database_url": url})
        upgrade(settings)
        assert differences(settings) == []


def test_failed_messages_get_their_reason_from_what_they_kept(tmp_path: Path):
    """0002 fills ``failure_reason`` for the rows that failed before it existed."""
    settings = make_test_settings(tmp_path)
    upgrade(settings, "0001")
    engine = make_engine(settings.app.database_url)
    rows = {
        "window": ("failed", 63016, "Twilio reported failed with error 63016"),
        "stop": ("undelivered", 21610, "Twilio reported undelivered with error 21610"),
        "phone-off": ("undelivered", 30003, "Twilio reported undelivered"),
        "left": ("failed", None, "not sent: learner is erased"),
        "cancelled": ("failed", None, "not sent: the broadcast was cancelled"),
        "no-number": ("failed", None, "not sent: no phone number: the learner's data was erased"),
        "timeout": ("failed", None, "timeout: ReadTimeout"),
        "delivered": ("delivered", None, None),
    }
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO learner (id, public_id, channel, status, timezone, delivery_days,"
                " created_at) VALUES (1, 'L1', 'sms', 'active', 'America/Panama', '1111111',"
                " '2026-01-01')"
            )
        )
        for key, (status, code, message) in rows.items():
            connection.execute(
                text(
                    "INSERT INTO outbox_message (idempotency_key, learner_id, kind, status,"
                    " error_code, error_message, allow_when_opted_out, attempts, created_at)"
                    " VALUES (:key, 1, 'reply', :status, :code, :message, 0, 1, '2026-01-01')"
                ),
                {"key": key, "status": status, "code": code, "message": message},
            )
    upgrade(settings)
    with engine.connect() as connection:
        query = text("SELECT idempotency_key, failure_reason FROM outbox_message")
        found = {key: reason for key, reason in connection.execute(query)}
    engine.dispose()
    assert found == {
        "window": "window_closed",
        "stop": "opted_out",
        "phone-off": "unreachable",
        "left": "learner_left",
        "cancelled": "cancelled",
        "no-number": "no_address",
        "timeout": "provider_error",
        "delivered": None,
    }
