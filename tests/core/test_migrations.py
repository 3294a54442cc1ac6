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

from bot import models  # noqa: F401  (the tables, as the migrations' env.py registers them)
from bot.broadcasts import models as broadcast_models  # noqa: F401
from bot.db import Base, make_engine
from bot.migrate import upgrade
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
