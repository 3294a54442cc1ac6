"""conversation inbox index

The inbox list read in page order: open conversations by (waiting_since,
opened_at, id), a partial index. Without it every page sorted all open
conversations (scripts/bench_inbox.py: p95 383 ms on SQLite with 10,000 open,
over the 300 ms target).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_conversation_inbox",
        "conversation",
        ["waiting_since", "opened_at", "id"],
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )


def downgrade() -> None:
    op.drop_index("ix_conversation_inbox", table_name="conversation")
