"""whatsapp choices

Quick-reply buttons and list pickers on WhatsApp (bot.text.choices): the
Content resources they need, the short titles and keyword menus an outbox row
carries, and a learner's tap as Twilio posts it back.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "whatsapp_choice",
        sa.Column("key", sa.String(16), primary_key=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("meaning", sa.String(16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("titles", sa.JSON(), nullable=False),
        sa.Column("descriptions", sa.JSON(), nullable=False),
        sa.Column("list_button", sa.String(40), nullable=False),
        sa.Column("options_in_body", sa.Boolean(), nullable=False),
        sa.Column("content_sid", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("synced_at", sa.DateTime(), nullable=True),
    )
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.add_column(sa.Column("buttons", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("keywords", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("choice_key", sa.String(16), nullable=True))
    with op.batch_alter_table("inbound_message") as batch_op:
        batch_op.add_column(sa.Column("tap_payload", sa.String(200), nullable=True))
        batch_op.add_column(sa.Column("tapped_message_sid", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound_message") as batch_op:
        batch_op.drop_column("tapped_message_sid")
        batch_op.drop_column("tap_payload")
    with op.batch_alter_table("outbox_message") as batch_op:
        batch_op.drop_column("choice_key")
        batch_op.drop_column("keywords")
        batch_op.drop_column("buttons")
    op.drop_table("whatsapp_choice")
