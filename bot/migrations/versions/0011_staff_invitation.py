"""staff invitations

An admin's one-time link to join with a role (bot.staff.invitations): only
the token's SHA-256 is stored.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["staff_user.id"],
            name=op.f("fk_staff_invitation_invited_by_id_staff_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_invitation")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_invitation_token_hash")),
    )
    op.create_index(
        op.f("ix_staff_invitation_email"), "staff_invitation", ["email"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_invitation_email"), table_name="staff_invitation")
    op.drop_table("staff_invitation")
