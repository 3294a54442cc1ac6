"""The users page for admins: who has an account, and a password reset.

A reset gives the account a one-time password, shown once on this page for
the admin to hand over (in person or by phone, never by the same channel as
the email address); every session of the account ends, and the next log-in
must choose a new password before any other page opens.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, render_template
from flask_babel import lazy_gettext
from sqlalchemy import select

from bot.db import session_scope
from bot.services import services
from bot.staff import now, secure_headers
from bot.staff.accounts import reset_password
from bot.staff.auth import current_staff, role_required
from bot.staff.models import Role, StaffUser
from bot.staff.navigation import register_link

blueprint = Blueprint("staff_users", __name__, url_prefix="/staff/users")
blueprint.after_request(secure_headers)


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    register_link(app, lazy_gettext("Users"), "staff_users.page", (Role.ADMIN,), landing=False)


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
    return render_template("staff/users.html", users=users, **values), status


@blueprint.get("/")
@role_required(Role.ADMIN)
def page() -> tuple[str, int]:
    return _page()


@blueprint.post("/<int:user_id>/reset-password")
@role_required(Role.ADMIN)
def reset(user_id: int) -> tuple[str, int]:
    admin = current_staff()
    assert admin is not None
    with session_scope(services().sessions) as session:
        user = session.get(StaffUser, user_id)
        if user is None:
            abort(404)
        one_time = reset_password(session, user, now(), admin.id)
        email = user.email
    return _page(reset_email=email, one_time_password=one_time)
