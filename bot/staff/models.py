"""Staff accounts, their audit trail, log-in throttling, and learner tags.

Staff never see phone numbers or message texts; what they change is written to
``AuditLog``. Failed log-ins are rows (not process memory) so that the limit
holds across gunicorn workers.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot import models as _app_models  # noqa: F401  (learner_tag refers to learner)
from bot.db import Base, vocabulary


class Role(StrEnum):
    ADMIN = "admin"  # manages staff accounts
    STAFF = "staff"  # sends broadcasts
    COORDINATOR = "coordinator"  # reads statistics only


class StaffUser(Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(vocabulary(Role, 16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Set by an admin's reset: the one-time password works once, then must be replaced.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)


class StaffSession(Base):
    """One signed-in browser: the cookie carries the token, the database its hash.

    Logging out ends the row, so a copy of the cookie is worth nothing after it;
    a password change ends every other row of the account.
    """

    __tablename__ = "staff_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


class AuditLog(Base):
    """Who changed what, and when.

    Rows are only ever added, except that a learner's erasure replaces their
    opaque id by "erased" wherever it appears (``accounts.forget_learner_in_audit``).
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL for the command line (whoever runs it has the server already).
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)


class LoginFailure(Base):
    """One failed log-in; a success clears the account's, old rows are pruned."""

    __tablename__ = "staff_login_failure"
    __table_args__ = (
        Index("ix_staff_login_failure_email_at", "email", "at"),
        Index("ix_staff_login_failure_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)


class LearnerTag(Base):
    """A label staff put on a learner (a training site, a cohort).

    Coordinators filter statistics by it and broadcasts target it. A tag is
    not personal data in itself, but erasing a learner must delete their tags.
    """

    __tablename__ = "learner_tag"
    __table_args__ = (
        UniqueConstraint("learner_id", "tag"),
        Index("ix_learner_tag_tag_learner", "tag", "learner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class StaffInvitation(Base):
    """An admin's invitation: a one-time link to choose a password and join with a role.

    Only the link token's SHA-256 is stored (like a session's): the link is
    shown once to the admin. It works once, until ``expires_at``.
    """

    __tablename__ = "staff_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)  # stored lower-cased
    role: Mapped[Role] = mapped_column(vocabulary(Role, 16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )


class JoinCode(Base):
    """A word learners write to put themselves in a cohort: it adds ``tag`` to them.

    Staff make it (``bot.tags.joincodes``); the worker matches a learner's whole
    message against the active codes (``bot.learners.cohorts``).
    """

    __tablename__ = "join_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # upper case, letters and digits
    tag: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL")
    )


class JoinCodeUse(Base):
    """A learner joined with a code, once per code: the counts; erased with the learner."""

    __tablename__ = "join_code_use"
    __table_args__ = (UniqueConstraint("join_code_id", "learner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    join_code_id: Mapped[int] = mapped_column(ForeignKey("join_code.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learner.id", ondelete="CASCADE"), index=True
    )
    joined_at: Mapped[datetime] = mapped_column(DateTime)
