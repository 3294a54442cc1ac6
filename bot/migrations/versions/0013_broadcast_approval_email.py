"""broadcast approval email

When the email asking for a broadcast's approval went out
(bot.broadcasts.approval_email).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("broadcast") as batch_op:
        batch_op.add_column(sa.Column("approval_emailed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("broadcast") as batch_op:
        batch_op.drop_column("approval_emailed_at")
