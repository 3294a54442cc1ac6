"""Invitations: an admin names an email and a role; the person follows a one-time link.

The link carries a random token (256 bits); only its SHA-256 is stored, so
the admin sees the link once, on the page that made it (or in the command's
output), and hands it over. It works once and for ``INVITATION_DAYS``; a new
invitation for the same email replaces an unused one. Following it, the
person chooses a password (the usual rules) and the account exists with the
invited role. Everything is audited. Service functions take a session and
``now`` and do not commit.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.staff.accounts import (
    AccountError,
    AccountExists,
    audit,
    check_password_rules,
    create_user,
    normalise_email,
    valid_email,
)
from bot.staff.models import Role, StaffInvitation, StaffUser

INVITATION_DAYS = 7
PATH = "/staff/invitation/"


class InvitationError(AccountError):
    """The link cannot be used: unknown, used or expired (``field`` is "token")."""


@dataclass(frozen=True)
class Invitation:
    email: str
    role: Role
    token: str  # shown once: only its hash is kept
    expires_at: datetime

    def link(self, public_url: str) -> str:
        return public_url.rstrip("/") + PATH + self.token


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(
    session: Session, email: str, role: str, now: datetime, actor_id: int | None
) -> Invitation:
    email = normalise_email(email)
    if not valid_email(email):
        raise AccountError("not an email address", "email")
    if role not in tuple(Role):
        raise AccountError(f"role must be one of {', '.join(Role)}", "role")
    if session.scalar(select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise AccountExists("an account for this email exists already", "email")
    # One open invitation per email: the newest one counts.
    session.execute(
        delete(StaffInvitation).where(
            StaffInvitation.email == email, StaffInvitation.used_at.is_(None)
        )
    )
    token = secrets.token_urlsafe(32)
    expires_at = now + timedelta(days=INVITATION_DAYS)
    session.add(
        StaffInvitation(
            email=email,
            role=role,
            token_hash=_hash(token),
            created_at=now,
            expires_at=expires_at,
            invited_by_id=actor_id,
        )
    )
    audit(session, actor_id, "staff_invitation.create", {"email": email, "role": role}, now)
    return Invitation(email, Role(role), token, expires_at)


def find_open(session: Session, token: str, now: datetime) -> StaffInvitation:
    """The invitation this link names, if it can still be used; else ``InvitationError``."""
    invitation = session.scalar(
        select(StaffInvitation).where(StaffInvitation.token_hash == _hash(token))
    )
    if invitation is None or invitation.used_at is not None:
        raise InvitationError("this invitation link has been used or does not exist", "token")
    if invitation.expires_at <= now:
        raise InvitationError("this invitation link has expired", "token")
    return invitation


def accept(
    session: Session, token: str, password: str, confirmation: str, now: datetime
) -> StaffUser:
    """Create the invited account with the chosen password; the link is spent."""
    invitation = find_open(session, token, now)
    check_password_rules(password)
    if confirmation != password:
        raise AccountError("the two passwords differ", "confirmation")
    if session.scalar(select(StaffUser.id).where(StaffUser.email == invitation.email)):
        raise InvitationError("an account for this email exists already", "token")
    user = create_user(session, invitation.email, invitation.role, password, now, None)
    invitation.used_at = now
    audit(session, user.id, "staff_invitation.accept", {"email": user.email}, now)
    return user
