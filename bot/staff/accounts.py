"""Staff accounts: create them, check a log-in, and write the audit log.

Service functions take a session and ``now`` and do not commit.
Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's
second recommended set); a hash made with older parameters is upgraded at the
next successful log-in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from bot.staff import throttle
from bot.staff.models import AuditLog, Role, StaffUser

PASSWORD_MIN_LENGTH = 12
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """A staff account cannot be created or changed as asked."""


@dataclass(frozen=True)
class LogInResult:
    user: StaffUser | None
    throttled: bool = False


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    # Verified against when the account does not exist, so that an unknown
    # email takes as long to refuse as a wrong password.
    return _hasher().hash("not a real password")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def audit(
    session: Session, actor_id: int | None, action: str, details: dict[str, Any], now: datetime
) -> AuditLog:
    """Record a staff action (``actor_id`` None: the command line)."""
    entry = AuditLog(staff_user_id=actor_id, action=action, details=details, at=now)
    session.add(entry)
    return entry


# What an erased learner's pseudonym becomes in the audit log.
ERASED_LEARNER = "erased"


def forget_learner_in_audit(session: Session, public_id: str) -> int:
    """Replace an erased learner's pseudonym in the audit log by "erased"; rows changed.

    The audit log names learners only by their opaque id (a tag put on them,
    say): after their erasure, no entry can tell that they were ever here.
    """
    changed = 0
    # The JSON as text holds the id wherever it is; the exact match is made below.
    candidates = session.scalars(
        select(AuditLog).where(cast(AuditLog.details, String).contains(public_id))
    )
    for entry in candidates:
        details = _replaced(entry.details, public_id)
        if details != entry.details:
            entry.details = details
            changed += 1
    return changed


def _replaced(value: Any, public_id: str) -> Any:
    if value == public_id:
        return ERASED_LEARNER
    if isinstance(value, list):
        return [_replaced(item, public_id) for item in value]
    if isinstance(value, dict):
        return {key: _replaced(item, public_id) for key, item in value.items()}
    return value


def create_user(
    session: Session,
    email: str,
    role: str,
    password: str,
    now: datetime,
    actor_id: int | None = None,
) -> StaffUser:
    email = normalise_email(email)
    if not _EMAIL.match(email):
        raise AccountError(f"not an email address: {email!r}")
    if role not in tuple(Role):
        raise AccountError(f"role must be one of {', '.join(Role)}, not {role!r}")
    if len(password) < PASSWORD_MIN_LENGTH:
        raise AccountError(f"the password must have at least {PASSWORD_MIN_LENGTH} characters")
    if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise AccountError(f"an account for {email} exists already")
    user = StaffUser(
        email=email, role=role, password_hash=hash_password(password), active=True, created_at=now
    )
    session.add(user)
    session.flush()
    audit(session, actor_id, "staff_user.create", {"email": email, "role": role}, now)
    return user


def set_active(
    session: Session, email: str, active: bool, now: datetime, actor_id: int | None = None
) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))
    if user is None:
        raise AccountError(f"no account for {email}")
    user.active = active
    action = "staff_user.activate" if active else "staff_user.deactivate"
    audit(session, actor_id, action, {"email": user.email}, now)
    return user


def log_in(session: Session, email: str, password: str, ip: str, now: datetime) -> LogInResult:
    """Check a log-in under the throttle; a failure is counted, a success audited."""
    email = normalise_email(email)
    if throttle.is_throttled(session, email, ip, now):
        return LogInResult(None, throttled=True)
    user = session.scalar(select(StaffUser).where(StaffUser.email == email))
    matches = password_matches(user.password_hash if user else _dummy_hash(), password)
    if user is None or not matches or not user.active:
        throttle.record_failure(session, email, ip, now)
        return LogInResult(None)
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    throttle.clear_failures(session, email)
    user.last_login_at = now
    audit(session, user.id, "staff.login", {"ip": ip}, now)
    return LogInResult(user)
