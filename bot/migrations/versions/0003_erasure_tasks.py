"""erasure tasks

A learner's erasure leaves steps outside the app's tables: their conversation
in Rasa's tracker store, and their messages kept by the provider (Twilio),
whose ids the app drops once they are deleted there. Each step is a row,
retried until done. Learners erased before this migration get both steps
too: the provider still holds their messages.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "erasure_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learner.id"],
            name=op.f("fk_erasure_task_learner_id_learner"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_task")),
        sa.UniqueConstraint("learner_id", "step", name=op.f("uq_erasure_task_learner_id")),
    )
    op.create_index(
        "ix_erasure_task_due", "erasure_task", ["done_at", "next_attempt_at"], unique=False
    )
    # Naive UTC, as the app stores every moment.
    now = "CURRENT_TIMESTAMP" if op.get_bind().dialect.name == "sqlite" else "timezone('utc', now())"
    for step in ("rasa_tracker", "provider_messages"):
        op.execute(
            "INSERT INTO erasure_task (learner_id, step, created_at, next_attempt_at, attempts) "
            f"SELECT id, '{step}', {now}, {now}, 0 FROM learner WHERE status = 'erased'"
        )


def downgrade() -> None:
    op.drop_index("ix_erasure_task_due", table_name="erasure_task")
    op.drop_table("erasure_task")
