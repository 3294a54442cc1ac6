"""Server-side staff sessions: the one owner of ``StaffSession`` rows.

The signed cookie carries a random token; the database keeps its SHA-256, so
a leaked database row cannot be replayed as a cookie. A session is valid while
its row has no ``ended_at`` and its account is active. Functions take a
session and ``now`` and do not commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db import rowcount
from bot.staff.models import StaffSession, StaffUser

# As long as the signed cookie (bot.staff.SESSION_LIFETIME), counted from the log-in.
LIFETIME = timedelta(hours=12)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, user_id: int, now: datetime) -> str:
    """Open a session for the account; returns the token the cookie carries."""
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=_digest(token), staff_user_id=user_id, created_at=now))
    session.flush()
    return token


def user_for(session: Session, token: str, now: datetime) -> StaffUser | None:
    """The active account whose open, unexpired session this token is, if any."""
    # The cookie's signature expires too; this holds even if the secret key leaked.
    return session.scalar(
        select(StaffUser)
        .join(StaffSession, StaffSession.staff_user_id == StaffUser.id)
        .where(StaffSession.token_hash == _digest(token), StaffSession.ended_at.is_(None))
        .where(StaffSession.created_at > now - LIFETIME)
        .where(StaffUser.active.is_(True))
    )


def end(session: Session, token: str, now: datetime) -> None:
    """Log-out: the token no longer opens anything."""
    session.execute(
        update(StaffSession)
        .where(StaffSession.token_hash == _digest(token), StaffSession.ended_at.is_(None))
        .values(ended_at=now)
    )


def end_all_but(session: Session, user_id: int, keep: str | None, now: datetime) -> int:
    """End every open session of the account except ``keep`` (a token); how many ended."""
    query = update(StaffSession).where(
        StaffSession.staff_user_id == user_id, StaffSession.ended_at.is_(None)
    )
    if keep is not None:
        query = query.where(StaffSession.token_hash != _digest(keep))
    return rowcount(session.execute(query.values(ended_at=now)))
