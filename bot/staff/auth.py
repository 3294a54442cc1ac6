"""Staff log-in and log-out, who is signed in, and the role check for views.

The session cookie (Flask's, signed with ``LESSONBOT_SECRET_KEY``) holds only
the account id; the account is read again on each request, so a deactivated
account is signed out at its next click.
"""

from __future__ import annotations

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

from bot.db import session_scope
from bot.services import services
from bot.staff import now, secure_headers
from bot.staff.accounts import audit, log_in
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
_USER_KEY = "staff_user_id"


@dataclass(frozen=True)
class CurrentStaff:
    id: int
    email: str
    role: str


def current_staff() -> CurrentStaff | None:
    """The signed-in, active staff member of this request, if any."""
    if "lessonbot_staff" not in g:
        staff = None
        user_id = session.get(_USER_KEY)
        if isinstance(user_id, int):
            with session_scope(services().sessions) as db:
                user = db.get(StaffUser, user_id)
                if user is not None and user.active:
                    staff = CurrentStaff(user.id, user.email, user.role)
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
    if signed_in is None:
        error, status = _("Wrong email or password."), 401
        if result.throttled:
            error, status = _("Too many failed log-ins. Try again in 15 minutes."), 429
        page = render_template("staff/login.html", next=next_path, email=email, error=error)
        return page, status
    # A fresh session on log-in (no fixation); only the language choice survives.
    language = session.get("page_language")
    session.clear()
    if language:
        session["page_language"] = language
    session[_USER_KEY] = signed_in[0]
    session.permanent = True
    return redirect(next_path or _landing(signed_in[1]))


@blueprint.post("/logout")
def logout() -> ResponseReturnValue:
    staff = current_staff()
    if staff is not None:
        with session_scope(services().sessions) as db:
            audit(db, staff.id, "staff.logout", {}, now())
    session.clear()
    return redirect(url_for("staff.login_form"))


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
