"""conversation hand-back index

The worker asks, before each turn of a learner, whether staff have their
conversation or closed one the bot has not taken back yet; the scheduler's
hand-back job asks for every such conversation. Both read the conversations
not yet resumed (open ones, and closed ones waiting for the hand-back): a
partial index on them by learner keeps those reads small however many closed
conversations accumulate.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_conversation_not_resumed",
        "conversation",
        ["learner_id"],
        sqlite_where=sa.text("resumed_at IS NULL"),
        postgresql_where=sa.text("resumed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_conversation_not_resumed", table_name="conversation")
