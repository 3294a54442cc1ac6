"""The users page for admins: invite, change a role, deactivate, reactivate, reset a password.

- An invitation (``bot.staff.invitations``) is a one-time link to join with a
  role, shown once on this page for the admin to hand over; it is never
  emailed by the app, so it reaches only whom the admin gives it to.
- A reset gives the account a one-time password, shown once on this page
  (handed over in person or by phone, never by the same channel as the email
  address); every session of the account ends, and the next log-in must
  choose a new password before any other page opens.
- Deactivating ends every session of the account; the last active admin can
  neither be deactivated nor lose the admin role.

Every change is audited (``bot.staff.accounts``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from sqlalchemy import select
from werkzeug.wrappers import Response

from bot.db import session_scope
from bot.services import services
from bot.staff import now, secure_headers
from bot.staff.accounts import (
    AccountError,
    AccountExists,
    LastAdmin,
    reset_password,
    set_active,
    set_role,
)
from bot.staff.auth import current_staff, role_required
from bot.staff.csrf import refills
from bot.staff.invitations import INVITATION_DAYS, invite
from bot.staff.models import Role, StaffUser
from bot.staff.navigation import register_link

blueprint = Blueprint("staff_users", __name__, url_prefix="/staff/users")
blueprint.after_request(secure_headers)


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    register_link(app, lazy_gettext("Users"), "staff_users.page", (Role.ADMIN,), landing=False)


def role_labels() -> dict[str, str]:
    return {
        Role.ADMIN: _("Admin: manages accounts, sees everything"),
        Role.STAFF: _("Staff: broadcasts, inbox, learners"),
        Role.COORDINATOR: _("Coordinator: statistics only"),
    }


def _page(status: int = 200, **values: Any) -> tuple[str, int]:
    with session_scope(services().sessions) as session:
        users = [
            {
                "id": user.id,
                "email": user.email,
                "role": user.role,
                "active": user.active,
                "last_login_at": user.last_login_at,
                "must_change_password": user.must_change_password,
            }
            for user in session.scalars(select(StaffUser).order_by(StaffUser.email))
        ]
    values.setdefault("errors", {})
    return (
        render_template(
            "staff/users.html",
            users=users,
            roles=role_labels(),
            invitation_days=INVITATION_DAYS,
            **values,
        ),
        status,
    )


def _admin_id() -> int:
    admin = current_staff()
    assert admin is not None
    return admin.id


@blueprint.get("/")
@role_required(Role.ADMIN)
def page() -> tuple[str, int]:
    done = request.args.get("done")
    return _page(done=done if done in {"role", "deactivated", "reactivated"} else None)


@role_required(Role.ADMIN)
def _invite_again() -> tuple[str, int]:
    """The invitation form after a failed CSRF check, as it was typed."""
    form = request.form
    return _page(400, invite_email=form.get("email", ""), invite_role=form.get("role", ""))


@blueprint.post("/invite")
@refills(_invite_again)
@role_required(Role.ADMIN)
def invite_user() -> tuple[str, int]:
    email, role = request.form.get("email", ""), request.form.get("role", "")
    try:
        with session_scope(services().sessions) as session:
            invitation = invite(session, email, role, now(), _admin_id())
    except AccountError as error:
        errors = {f"invite_{error.field or 'email'}": _invite_error(error)}
        return _page(400, errors=errors, invite_email=email, invite_role=role)
    link = invitation.link(services().settings.app.public_url)
    return _page(invited_email=invitation.email, invitation_link=link)


def _invite_error(error: AccountError) -> str:
    if error.field == "role":
        return _("Choose a role from the list.")
    if isinstance(error, AccountExists):
        return _("An account for this email exists already.")
    return _("Type an email address, such as name@example.org.")


def _load(session: Any, user_id: int) -> StaffUser:
    user = session.get(StaffUser, user_id)
    if user is None:
        abort(404)
    return user


@blueprint.post("/<int:user_id>/role")
@role_required(Role.ADMIN)
def change_role(user_id: int) -> Response | tuple[str, int]:
    try:
        with session_scope(services().sessions) as session:
            set_role(
                session, _load(session, user_id), request.form.get("role", ""), now(), _admin_id()
            )
    except AccountError as error:
        message = (
            _("The last active admin must stay an admin.")
            if isinstance(error, LastAdmin)
            else _("Choose a role from the list.")
        )
        return _page(400, errors={f"user_{user_id}": message})
    return redirect(url_for("staff_users.page", done="role"), 303)


@blueprint.post("/<int:user_id>/deactivate")
@role_required(Role.ADMIN)
def deactivate(user_id: int) -> Response | tuple[str, int]:
    return _set_active(user_id, active=False)


@blueprint.post("/<int:user_id>/reactivate")
@role_required(Role.ADMIN)
def reactivate(user_id: int) -> Response | tuple[str, int]:
    return _set_active(user_id, active=True)


def _set_active(user_id: int, active: bool) -> Response | tuple[str, int]:
    try:
        with session_scope(services().sessions) as session:
            user = _load(session, user_id)
            set_active(session, user.email, active, now(), _admin_id())
    except LastAdmin:
        message = _("The last active admin cannot be deactivated.")
        return _page(400, errors={f"user_{user_id}": message})
    done = "reactivated" if active else "deactivated"
    return redirect(url_for("staff_users.page", done=done), 303)


@blueprint.post("/<int:user_id>/reset-password")
@role_required(Role.ADMIN)
def reset(user_id: int) -> tuple[str, int]:
    with session_scope(services().sessions) as session:
        user = _load(session, user_id)
        one_time = reset_password(session, user, now(), _admin_id())
        email = user.email
    return _page(reset_email=email, one_time_password=one_time)
