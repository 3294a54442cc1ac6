"""Staff accounts: create them, check a log-in, and write the audit log.

Service functions take a session and ``now`` and do not commit.
Passwords are hashed with argon2id (argon2-cffi's defaults, RFC 9106's
second recommended set); a hash made with older parameters is upgraded at the
next successful log-in.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from bot.staff import sessions as staff_sessions
from bot.staff import throttle
from bot.staff.models import AuditLog, Role, StaffUser

PASSWORD_MIN_LENGTH = 12
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """A staff account cannot be created or changed as asked; ``field`` names the input."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class AccountExists(AccountError):
    """An account for this email exists already."""


class LastAdmin(AccountError):
    """The change would leave no active admin to manage accounts."""


@dataclass(frozen=True)
class LogInResult:
    user: StaffUser | None
    # How long the account or the address must still wait (the attempt was not checked).
    wait: timedelta = timedelta(0)

    @property
    def throttled(self) -> bool:
        return self.wait > timedelta(0)


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


def valid_email(email: str) -> bool:
    return bool(_EMAIL.match(email))


def check_password_rules(password: str, field: str = "password") -> None:
    """The rules for every new password: at creation, on change, on reset."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise AccountError(
            f"the password must have at least {PASSWORD_MIN_LENGTH} characters", field
        )


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
    if not valid_email(email):
        raise AccountError(f"not an email address: {email!r}", "email")
    if role not in tuple(Role):
        raise AccountError(f"role must be one of {', '.join(Role)}, not {role!r}")
    check_password_rules(password)
    if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise AccountExists(f"an account for {email} exists already", "email")
    user = StaffUser(
        email=email, role=role, password_hash=hash_password(password), active=True, created_at=now
    )
    session.add(user)
    session.flush()
    audit(session, actor_id, "staff_user.create", {"email": email, "role": role}, now)
    return user


def find_user(session: Session, email: str) -> StaffUser:
    user = session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))
    if user is None:
        raise AccountError(f"no account for {email}", "email")
    return user


def set_active(
    session: Session, email: str, active: bool, now: datetime, actor_id: int | None = None
) -> StaffUser:
    """Deactivate (every session of the account ends) or reactivate an account.

    The last active admin cannot be deactivated: nobody could manage accounts
    from the browser after that.
    """
    user = find_user(session, email)
    if not active and user.active and user.role == Role.ADMIN and _active_admins(session) <= 1:
        raise LastAdmin("the last active admin cannot be deactivated", "active")
    user.active = active
    if not active:
        staff_sessions.end_all_but(session, user.id, None, now)
    action = "staff_user.activate" if active else "staff_user.deactivate"
    audit(session, actor_id, action, {"email": user.email}, now)
    return user


def set_role(
    session: Session, user: StaffUser, role: str, now: datetime, actor_id: int | None
) -> bool:
    """Give the account another role; False if it had it. The last active admin stays one."""
    if role not in tuple(Role):
        raise AccountError(f"role must be one of {', '.join(Role)}", "role")
    if user.role == role:
        return False
    if user.role == Role.ADMIN and user.active and _active_admins(session) <= 1:
        raise LastAdmin("the last active admin must stay an admin", "role")
    before = user.role
    user.role = Role(role)
    details = {"email": user.email, "from": str(before), "to": role}
    audit(session, actor_id, "staff_user.set_role", details, now)
    return True


def _active_admins(session: Session) -> int:
    found = session.scalars(
        select(StaffUser.id).where(StaffUser.role == Role.ADMIN, StaffUser.active.is_(True))
    )
    return len(list(found))


def set_password(
    session: Session,
    user: StaffUser,
    password: str,
    now: datetime,
    actor_id: int | None,
    keep_session: str | None = None,
) -> int:
    """Replace the password and end every other session of the account; how many ended.

    ``keep_session``: the token of the browser that made the change, which stays signed in.
    """
    check_password_rules(password, "new_password")
    user.password_hash = hash_password(password)
    user.must_change_password = False
    ended = staff_sessions.end_all_but(session, user.id, keep_session, now)
    audit(session, actor_id, "staff_user.set_password", {"email": user.email}, now)
    return ended


def change_own_password(
    session: Session,
    user: StaffUser,
    current: str,
    new: str,
    now: datetime,
    keep_session: str | None,
) -> None:
    """The signed-in person's change: the current password first, then the rules."""
    if not password_matches(user.password_hash, current):
        raise AccountError("the current password is wrong", "current_password")
    if new == current:
        raise AccountError("the new password must differ from the current one", "new_password")
    set_password(session, user, new, now, user.id, keep_session)


def reset_password(session: Session, user: StaffUser, now: datetime, actor_id: int | None) -> str:
    """An admin's reset: a one-time password, to be replaced at the next log-in.

    Every session of the account ends; the returned password is shown once to the
    admin (who hands it over in person or by phone) and is stored only hashed.
    """
    one_time = secrets.token_urlsafe(12)  # 16 characters, above the minimum length
    user.password_hash = hash_password(one_time)
    user.must_change_password = True
    staff_sessions.end_all_but(session, user.id, None, now)
    audit(session, actor_id, "staff_user.reset_password", {"email": user.email}, now)
    throttle.clear_failures(session, user.email)
    return one_time


def _failed(
    session: Session, email: str, user: StaffUser | None, ip: str, now: datetime, refused: bool
) -> None:
    """Audit a failed log-in: the email only when it names an account, never the password."""
    # An unknown address may be a mistyped password in the email field: keep only a hash.
    who = {"email": email} if user else {"email_sha256": hashlib.sha256(email.encode()).hexdigest()}
    details = who | {"ip": ip} | ({"refused": "throttled"} if refused else {})
    audit(session, user.id if user else None, "staff.login_failed", details, now)


def log_in(session: Session, email: str, password: str, ip: str, now: datetime) -> LogInResult:
    """Check a log-in under the throttle; a failure is counted and audited, a success audited."""
    email = normalise_email(email)
    user = session.scalar(select(StaffUser).where(StaffUser.email == email))
    wait = throttle.wait_before_attempt(session, email, ip, now)
    if wait:
        _failed(session, email, user, ip, now, refused=True)
        return LogInResult(None, wait=wait)
    matches = password_matches(user.password_hash if user else _dummy_hash(), password)
    if user is None or not matches or not user.active:
        throttle.record_failure(session, email, ip, now)
        _failed(session, email, user, ip, now, refused=False)
        return LogInResult(None)
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    throttle.clear_failures(session, email)
    user.last_login_at = now
    audit(session, user.id, "staff.login", {"ip": ip}, now)
    return LogInResult(user)
