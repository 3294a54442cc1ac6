"""conversations

A learner's hand-off to staff (bot.inbox): one row per conversation, at most
one open per learner (a partial unique index), listed by how long the learner
has waited.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conversation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("opened_in_office_hours", sa.Boolean(), nullable=False),
        sa.Column("waiting_since", sa.DateTime(), nullable=True),
        sa.Column("last_learner_message_at", sa.DateTime(), nullable=True),
        sa.Column("first_answered_at", sa.DateTime(), nullable=True),
        sa.Column("last_answered_at", sa.DateTime(), nullable=True),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("resumed_at", sa.DateTime(), nullable=True),
        sa.Column("notified_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["assigned_to_id"], ["staff_user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["closed_by_id"], ["staff_user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_conversation_open_learner",
        "conversation",
        ["learner_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index("ix_conversation_waiting", "conversation", ["status", "waiting_since"])


def downgrade() -> None:
    op.drop_index("ix_conversation_waiting", table_name="conversation")
    op.drop_index("uq_conversation_open_learner", table_name="conversation")
    op.drop_table("conversation")
