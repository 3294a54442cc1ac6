"""Log-in throttling: at most 5 failures per 15 minutes per account and per client IP.

The failures are rows in the database, so every gunicorn worker sees the same
count. A throttled attempt is refused before the password is checked and is
not itself counted: the lock lifts 15 minutes after the last counted failure.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from bot.staff.models import LoginFailure

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


def is_throttled(session: Session, email: str, ip: str, now: datetime) -> bool:
    """True when the account or the client IP has used up its failures."""
    since = now - WINDOW
    for column, value in ((LoginFailure.email, email), (LoginFailure.ip, ip)):
        failures = session.scalar(
            select(func.count(LoginFailure.id)).where(column == value, LoginFailure.at > since)
        )
        if (failures or 0) >= MAX_FAILURES:
            return True
    return False


def record_failure(session: Session, email: str, ip: str, now: datetime) -> None:
    """Count a failed log-in; forget this account's and IP's failures that have expired."""
    session.execute(
        delete(LoginFailure).where(
            or_(LoginFailure.email == email, LoginFailure.ip == ip),
            LoginFailure.at <= now - WINDOW,
        )
    )
    session.add(LoginFailure(email=email, ip=ip, at=now))
    session.flush()


def clear_failures(session: Session, email: str) -> None:
    """A successful log-in resets the account's count (not the IP's)."""
    session.execute(delete(LoginFailure).where(LoginFailure.email == email))
