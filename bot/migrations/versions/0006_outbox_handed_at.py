"""outbox handed_at

When the sender handed a row to the provider without recording the outcome
since. A row claimed again with it set was maybe taken by the provider before
its sender died: the sender asks the provider before sending it again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox_message", sa.Column("handed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("handed_at")
