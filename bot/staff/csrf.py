"""CSRF protection for every form the app serves (synchroniser token).

One random token per browser session, kept in the signed session cookie and
sent back in each form (``csrf_token`` field) or in the ``X-CSRF-Token``
header. Every state-changing request is checked, by default: only views that
authenticate otherwise (Twilio's signed webhooks) are exempt.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, request, session

log = logging.getLogger(__name__)

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
_SESSION_KEY = "csrf_token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Twilio signs its requests (X-Twilio-Signature); it cannot send our token.
EXEMPT_BLUEPRINTS = frozenset({"twilio"})

View = TypeVar("View", bound=Callable[..., Any])


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
        abort(400, description="The form has expired or was not sent from this site.")


def init_app(app: Flask) -> None:
    app.before_request(_check_token)
    app.jinja_env.globals["csrf_token"] = csrf_token
