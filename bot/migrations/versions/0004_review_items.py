"""review items

A quiz question answered wrong comes back as a one-question review 2 and then
7 days later (bot.learners.review); each such question of each learner is one
row here. A quiz attempt records the review step it answered.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("lesson_key", sa.String(length=64), nullable=False),
        sa.Column("question_key", sa.String(length=64), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["learner_id"], ["learner.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("learner_id", "lesson_key", "question_key"),
    )
    op.create_index("ix_review_item_due", "review_item", ["state", "due_at"])
    op.create_index(
        "ix_review_item_question", "review_item", ["lesson_key", "question_key", "state"]
    )
    with op.batch_alter_table("quiz_attempt") as batch_op:
        batch_op.add_column(sa.Column("review_step", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quiz_attempt") as batch_op:
        batch_op.drop_column("review_step")
    op.drop_index("ix_review_item_question", table_name="review_item")
    op.drop_index("ix_review_item_due", table_name="review_item")
    op.drop_table("review_item")
