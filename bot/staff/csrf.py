"""CSRF protection for every form the app serves (synchroniser token).

One random token per browser session, kept in the signed session cookie and
sent back in each form (``csrf_token`` field) or in the ``X-CSRF-Token``
header. Every state-changing request is checked, by default: only views that
authenticate otherwise (Twilio's signed webhooks) are exempt.

A refused form loses nothing: a view may name a refill (``@refills(render)``),
which shows the same form again with what was typed and asks to submit again
(``bot.staff.errors`` calls it); other forms get the error page with the typed
text to copy.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request, session
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

log = logging.getLogger(__name__)

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
_SESSION_KEY = "csrf_token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Twilio signs its requests (X-Twilio-Signature); it cannot send our token.
EXEMPT_BLUEPRINTS = frozenset({"twilio"})

View = TypeVar("View", bound=Callable[..., Any])
Refill = Callable[..., ResponseReturnValue]


class CSRFError(BadRequest):
    """A state-changing request without this session's token (400)."""

    description = "The form has expired or was not sent from this site."


def refills(render: Refill) -> Callable[[View], View]:
    """On a failed check, answer with ``render(**view_args)``: the form again, as typed.

    ``render`` checks the role itself (it runs before the view's own checks)
    and shows ``expired_message()``; it must not change anything.
    """

    def mark(view: View) -> View:
        view.csrf_refill = render  # type: ignore[attr-defined]
        return view

    return mark


def refill_for(endpoint: str | None) -> Refill | None:
    view = current_app.view_functions.get(endpoint or "")
    return getattr(view, "csrf_refill", None)


def expired_message() -> str:
    return _(
        "The form had expired, so nothing was saved. What you typed is below: "
        "check it and submit it again."
    )


def csrf_token() -> str:
    """The session's token, made on first use (templates: ``{{ csrf_token() }}``)."""
    token = session.get(_SESSION_KEY)
    if not token:
        token = secrets.token_urlsafe(32)
        session[_SESSION_KEY] = token
    return str(token)


def csrf_exempt(view: View) -> View:
    """Mark a view that authenticates its callers some other way."""
    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view


def _check_token() -> None:
    if request.method in _SAFE_METHODS or request.blueprint in EXEMPT_BLUEPRINTS:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, "csrf_exempt", False):
        return
    expected = session.get(_SESSION_KEY)
    sent = request.form.get(FIELD) or request.headers.get(HEADER) or ""
    if not expected or not hmac.compare_digest(str(expected), sent):
        log.warning("refused %s %s: CSRF token missing or wrong", request.method, request.path)
        raise CSRFError()


def init_app(app: Flask) -> None:
    app.before_request(_check_token)
    app.jinja_env.globals["csrf_token"] = csrf_token
