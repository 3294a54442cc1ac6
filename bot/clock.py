"""The app's one clock: naive UTC, as the database stores every moment.

Domain code never reads it: it takes ``now`` from the request, job or action
that called it, so tests pass any time they like.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    """Now, as naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)
