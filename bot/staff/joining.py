"""The invitation link's page: the invited person chooses a password and the account exists.

Open to anyone holding the link (it is the credential); a used, unknown or
expired link gets a page that says so and what to do (ask an admin for a
new one), never a stack trace. The token stays out of the audit log and
the application's logs.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, render_template, request
from flask_babel import gettext as _

from bot.db import session_scope
from bot.services import services
from bot.staff import now, secure_headers
from bot.staff.accounts import PASSWORD_MIN_LENGTH, AccountError
from bot.staff.invitations import InvitationError, accept, find_open

blueprint = Blueprint("staff_join", __name__, url_prefix="/staff/invitation")
blueprint.after_request(secure_headers)


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)


def _page(status: int = 200, **values: Any) -> tuple[str, int]:
    values.setdefault("errors", {})
    return render_template("staff/join.html", min_length=PASSWORD_MIN_LENGTH, **values), status


def _spent() -> tuple[str, int]:
    message = _(
        "This invitation link has been used, has expired or does not exist. "
        "Ask an admin for a new one."
    )
    return _page(410, spent=message)


@blueprint.get("/<token>")
def form(token: str) -> tuple[str, int]:
    try:
        with session_scope(services().sessions) as session:
            invitation = find_open(session, token, now())
            email = invitation.email
    except InvitationError:
        return _spent()
    return _page(token=token, email=email)


@blueprint.post("/<token>")
def join(token: str) -> tuple[str, int]:
    password = request.form.get("password", "")
    confirmation = request.form.get("confirmation", "")
    email = ""
    try:
        with session_scope(services().sessions) as session:
            email = find_open(session, token, now()).email
            accept(session, token, password, confirmation, now())
    except InvitationError:
        return _spent()
    except AccountError as error:
        message = (
            _("The two passwords are not the same.")
            if error.field == "confirmation"
            else _(
                "The password must have at least %(count)s characters.", count=PASSWORD_MIN_LENGTH
            )
        )
        return _page(400, token=token, email=email, errors={error.field or "password": message})
    return _page(joined_email=email)
