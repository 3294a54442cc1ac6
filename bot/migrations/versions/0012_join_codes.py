"""join codes

Codes learners write to join a cohort (a tag), and who joined with which
(bot.learners.cohorts, bot.tags.joincodes).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 20:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "join_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["staff_user.id"],
            name=op.f("fk_join_code_created_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_join_code")),
        sa.UniqueConstraint("code", name=op.f("uq_join_code_code")),
    )
    op.create_table(
        "join_code_use",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("join_code_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["join_code_id"],
            ["join_code.id"],
            name=op.f("fk_join_code_use_join_code_id_join_code"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learner.id"],
            name=op.f("fk_join_code_use_learner_id_learner"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_join_code_use")),
        sa.UniqueConstraint(
            "join_code_id", "learner_id", name=op.f("uq_join_code_use_join_code_id")
        ),
    )
    op.create_index(
        op.f("ix_join_code_use_learner_id"), "join_code_use", ["learner_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_join_code_use_learner_id"), table_name="join_code_use")
    op.drop_table("join_code_use")
    op.drop_table("join_code")
