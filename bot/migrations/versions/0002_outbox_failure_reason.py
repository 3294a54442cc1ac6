"""outbox failure reason

Why a message failed is stored in the app's words (``bot.vocab.FailureReason``)
instead of being read from the provider's error code: the window fallback's
partial index moves from ``error_code = 63016`` to ``failure_reason =
'window_closed'``. Rows that failed before get their reason from the code and
the text they kept; ``error_code`` stays, for staff to look up.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The provider's codes as the channel read them when this migration was written
# (bot/messaging/channels/twilio.py, ERROR_REASONS): frozen here, as history.
_CODES = {
    21610: "opted_out",
    63016: "window_closed",
    21211: "invalid_number",
    21614: "invalid_number",
    30003: "unreachable",
    30005: "unreachable",
    30006: "unreachable",
    30004: "blocked",
    30007: "blocked",
    30008: "provider_error",
    20429: "rate_limited",
    30001: "rate_limited",
}
_FAILED = "status IN ('failed', 'undelivered')"


def upgrade() -> None:
    op.add_column("outbox_message", sa.Column("failure_reason", sa.String(length=24), nullable=True))
    for code, reason in _CODES.items():
        op.execute(
            f"UPDATE outbox_message SET failure_reason = '{reason}'"
            f" WHERE {_FAILED} AND error_code = {code}"
        )
    # What the app itself decided, from the text it wrote then.
    for pattern, reason in (
        ("not sent: learner is %", "learner_left"),
        ("not sent: the broadcast was cancelled", "cancelled"),
        ("not sent: %", "no_address"),
    ):
        op.execute(
            f"UPDATE outbox_message SET failure_reason = '{reason}'"
            f" WHERE {_FAILED} AND failure_reason IS NULL AND error_code IS NULL"
            f" AND error_message LIKE '{pattern}'"
        )
    op.execute(
        "UPDATE outbox_message SET failure_reason = 'provider_error'"
        f" WHERE {_FAILED} AND failure_reason IS NULL"
    )
    op.drop_index(
        "ix_outbox_window_closed",
        table_name="outbox_message",
        sqlite_where=sa.text("error_code = 63016"),
        postgresql_where=sa.text("error_code = 63016"),
    )
    op.create_index(
        "ix_outbox_window_closed",
        "outbox_message",
        ["status_updated_at"],
        unique=False,
        sqlite_where=sa.text("failure_reason = 'window_closed'"),
        postgresql_where=sa.text("failure_reason = 'window_closed'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_outbox_window_closed",
        table_name="outbox_message",
        sqlite_where=sa.text("failure_reason = 'window_closed'"),
        postgresql_where=sa.text("failure_reason = 'window_closed'"),
    )
    op.create_index(
        "ix_outbox_window_closed",
        "outbox_message",
        ["status_updated_at"],
        unique=False,
        sqlite_where=sa.text("error_code = 63016"),
        postgresql_where=sa.text("error_code = 63016"),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_column("failure_reason")
