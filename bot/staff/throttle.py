"""Log-in throttling: growing delays per account and per client address, never a lock.

After ``FREE_FAILURES`` failed log-ins, each further attempt waits
2^(failures - FREE_FAILURES) seconds after the last failure, up to
``MAX_DELAY``. A lock would let anyone shut a colleague out with five wrong
passwords from five addresses; a delay only slows a guesser down (at the cap,
under 300 guesses a day per account and per address) while the right
password still gets in once the wait is over. The account's count and the
address's count are separate, and the longer wait applies. A successful
log-in clears the account's count, not the address's (else a guesser with an
account of their own could clear their address's count between guesses).

The failures are rows in the database, so every gunicorn worker sees the same
count. A refused attempt is not counted itself: it is not checked either.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select
from sqlalchemy.orm import Session

from bot.staff.models import LoginFailure

FREE_FAILURES = 3
MAX_DELAY = timedelta(minutes=5)
# Failures older than this no longer count (and are pruned).
MEMORY = timedelta(hours=24)


def delay_after(failures: int) -> timedelta:
    """How long to wait after the last of ``failures`` counted failures."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    exponent = min(failures - FREE_FAILURES, 16)  # 2^16 s is far past the cap
    return min(timedelta(seconds=2**exponent), MAX_DELAY)


def wait_before_attempt(session: Session, email: str, ip: str, now: datetime) -> timedelta:
    """How long this account or address must still wait; zero when it may try now."""
    waits = [
        _wait(session, LoginFailure.email == email, now),
        _wait(session, LoginFailure.ip == ip, now),
    ]
    return max(waits)


def _wait(session: Session, condition: ColumnElement[bool], now: datetime) -> timedelta:
    failures, last = session.execute(
        select(func.count(LoginFailure.id), func.max(LoginFailure.at)).where(
            condition, LoginFailure.at > now - MEMORY
        )
    ).one()
    if not failures or last is None:
        return timedelta(0)
    return max(last + delay_after(int(failures)) - now, timedelta(0))


def record_failure(session: Session, email: str, ip: str, now: datetime) -> None:
    """Count a failed log-in; forget this account's and address's failures that have expired."""
    session.execute(
        delete(LoginFailure).where(
            or_(LoginFailure.email == email, LoginFailure.ip == ip),
            LoginFailure.at <= now - MEMORY,
        )
    )
    session.add(LoginFailure(email=email, ip=ip, at=now))
    session.flush()


def clear_failures(session: Session, email: str) -> None:
    """A successful log-in resets the account's count (not the address's)."""
    session.execute(delete(LoginFailure).where(LoginFailure.email == email))
