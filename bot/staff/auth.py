"""Staff log-in and log-out, who is signed in, the role check, and changing one's password.

The session cookie (Flask's, signed with ``LESSONBOT_SECRET_KEY``) holds only
a random session token; the server keeps the session (``bot.staff.sessions``)
and reads it and the account again on each request, so log-out, a password
change elsewhere or a deactivated account sign the cookie out at its next click.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from bot.db import session_scope
from bot.services import services
from bot.staff import now, secure_headers
from bot.staff import sessions as staff_sessions
from bot.staff.accounts import (
    PASSWORD_MIN_LENGTH,
    AccountError,
    audit,
    change_own_password,
    log_in,
)
from bot.staff.locale import choose_language
from bot.staff.models import Role, StaffUser
from bot.staff.navigation import landing_endpoint, links_for

blueprint = Blueprint(
    "staff",
    __name__,
    url_prefix="/staff",
    template_folder="templates",
    static_folder="static",
)
blueprint.after_request(secure_headers)
_SESSION_KEY = "staff_session"


@dataclass(frozen=True)
class CurrentStaff:
    id: int
    email: str
    role: str
    must_change_password: bool = False


def _session_token() -> str | None:
    token = session.get(_SESSION_KEY)
    return token if isinstance(token, str) else None


def current_staff() -> CurrentStaff | None:
    """The signed-in, active staff member of this request, if any."""
    if "lessonbot_staff" not in g:
        staff = None
        token = _session_token()
        if token is not None:
            with session_scope(services().sessions) as db:
                user = staff_sessions.user_for(db, token, now())
                if user is not None:
                    staff = CurrentStaff(user.id, user.email, user.role, user.must_change_password)
        g.lessonbot_staff = staff
    return g.lessonbot_staff


def role_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Send anonymous visitors to the log-in page; refuse (403) other roles."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            staff = current_staff()
            if staff is None:
                return redirect(url_for("staff.login_form", next=request.full_path.rstrip("?")))
            if staff.must_change_password:
                # An admin's reset: nothing else opens until the one-time password is replaced.
                return redirect(url_for("staff.password_form"))
            if staff.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return checked

    return decorate


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect to another host."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def _landing(role: str) -> str:
    return url_for(landing_endpoint(role) or "staff.home")


@blueprint.get("/login")
def login_form() -> Any:
    staff = current_staff()
    if staff is not None:
        return redirect(_landing(staff.role))
    return render_template("staff/login.html", next=safe_next(request.args.get("next")))


@blueprint.post("/login")
def login() -> Any:
    email = request.form.get("email", "")
    next_path = safe_next(request.form.get("next"))
    with session_scope(services().sessions) as db:
        result = log_in(
            db, email, request.form.get("password", ""), request.remote_addr or "unknown", now()
        )
        user = result.user
        signed_in = (user.id, user.role) if user is not None else None
        must_change = bool(user and user.must_change_password)
        token = staff_sessions.start(db, user.id, now()) if user is not None else None
    if signed_in is None or token is None:
        error, status, headers = _("Wrong email or password."), 401, {}
        if result.throttled:
            seconds = math.ceil(result.wait.total_seconds())
            error = ngettext(
                "Too many failed log-ins for this account or from this address. "
                "Try again in %(num)s second.",
                "Too many failed log-ins for this account or from this address. "
                "Try again in %(num)s seconds.",
                seconds,
            )
            status, headers = 429, {"Retry-After": str(seconds)}
        page = render_template("staff/login.html", next=next_path, email=email, error=error)
        return page, status, headers
    # A fresh session on log-in (no fixation); only the language choice survives.
    language = session.get("page_language")
    session.clear()
    if language:
        session["page_language"] = language
    session[_SESSION_KEY] = token
    session.permanent = True
    if must_change:
        return redirect(url_for("staff.password_form"))
    return redirect(next_path or _landing(signed_in[1]))


@blueprint.post("/logout")
def logout() -> ResponseReturnValue:
    staff, token = current_staff(), _session_token()
    if staff is not None and token is not None:
        with session_scope(services().sessions) as db:
            staff_sessions.end(db, token, now())
            audit(db, staff.id, "staff.logout", {}, now())
    session.clear()
    return redirect(url_for("staff.login_form"))


def _password_page(status: int = 200, **values: Any) -> tuple[str, int]:
    page = render_template("staff/password.html", min_length=PASSWORD_MIN_LENGTH, **values)
    return page, status


@blueprint.get("/password")
def password_form() -> Any:
    staff = current_staff()
    if staff is None:
        return redirect(url_for("staff.login_form", next=url_for("staff.password_form")))
    return _password_page(forced=staff.must_change_password)


@blueprint.post("/password")
def change_password() -> Any:
    """Change one's own password: the current one first; other sessions of the account end."""
    staff, token = current_staff(), _session_token()
    if staff is None or token is None:
        return redirect(url_for("staff.login_form", next=url_for("staff.password_form")))
    new = request.form.get("new_password", "")
    if new != request.form.get("confirm_password", ""):
        errors = {"confirm_password": _("The two new passwords are not the same.")}
        return _password_page(400, errors=errors, forced=staff.must_change_password)
    try:
        with session_scope(services().sessions) as db:
            user = db.get(StaffUser, staff.id)
            assert user is not None
            current = request.form.get("current_password", "")
            change_own_password(db, user, current, new, now(), keep_session=token)
    except AccountError as error:
        errors = {error.field or "new_password": _password_error(error.field)}
        return _password_page(400, errors=errors, forced=staff.must_change_password)
    g.pop("lessonbot_staff", None)
    return _password_page(changed=True, forced=False)


def _password_error(field: str | None) -> str:
    if field == "current_password":
        return _("The current password is wrong.")
    return _(
        "The new password must have at least %(count)s characters and differ from the current one.",
        count=PASSWORD_MIN_LENGTH,
    )


@blueprint.get("/")
@role_required(*Role)
def home() -> str:
    staff = current_staff()
    assert staff is not None
    return render_template("staff/home.html", links=links_for(staff.role))


@blueprint.get("/language/<code>")
def language(code: str) -> ResponseReturnValue:
    """The language switch: remember the choice and go back to the page."""
    if not choose_language(code):
        abort(404)
    return redirect(safe_next(request.args.get("next")) or url_for("staff.login_form"))
