"""heartbeats and metric counters

The worker's and the scheduler's heartbeats (``/readyz``) and the counters
every process adds to (``/metrics``): see bot.ops.models. One migration for
both, since both came with the operator's metrics and readiness (issue 15).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "heartbeat",
        sa.Column("process", sa.String(length=160), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("beat_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("process", name=op.f("pk_heartbeat")),
    )
    op.create_index(op.f("ix_heartbeat_kind"), "heartbeat", ["kind"], unique=False)
    op.create_table(
        "metric_counter",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("labels", sa.String(length=300), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", "labels", name=op.f("pk_metric_counter")),
    )


def downgrade() -> None:
    op.drop_table("metric_counter")
    op.drop_index(op.f("ix_heartbeat_kind"), table_name="heartbeat")
    op.drop_table("heartbeat")
