"""Alembic environment: the models' metadata is the target."""

from __future__ import annotations

from alembic import context

from bot import models  # noqa: F401  (registers the tables on Base.metadata)
from bot.broadcasts import models as broadcast_models  # noqa: F401  (broadcasts, recipients)
from bot.db import Base, make_engine
from bot.inbox import models as inbox_models  # noqa: F401  (conversations)
from bot.ops import models as ops_models  # noqa: F401  (heartbeats, metric counters)
from bot.staff import models as staff_models  # noqa: F401  (staff and tag tables)

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things in place: batch mode rebuilds tables.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
