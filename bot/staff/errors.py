"""The app's own error pages: in the page's language, with the menu, a plain word and a way back.

Every HTTP error of a person's page (400, 403, 404, 405, 413, 500 and a
failed CSRF check) gets ``staff/error.html``. The machine routes keep the
answer they always gave (Werkzeug's, or the view's own): Twilio, load
balancers and Prometheus read status codes, not pages.

A failed CSRF check on a form that registered a refill (``csrf.refills``)
shows that same form again with what was typed; any other form gets the
error page with the typed text in read-only boxes to copy.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, g, make_response, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError

from bot.staff import csrf, secure_headers
from bot.staff.auth import current_staff, safe_next

_MACHINE_PATHS = ("/healthz", "/readyz", "/metrics")
_MACHINE_PREFIXES = ("/twilio/",)
# Never echoed back, even to the person who typed them.
_SECRET_FIELDS = ("password", "csrf_token", "token")


def is_machine_route(path: str) -> bool:
    return path in _MACHINE_PATHS or path.startswith(_MACHINE_PREFIXES)


def _wording(code: int) -> tuple[str, str]:
    """The page's heading and its explanation, in the page's language."""
    texts = {
        400: (
            _("The request could not be understood"),
            _(
                "Something in what the browser sent was not as this page expects. "
                "Go back and try again."
            ),
        ),
        403: (
            _("You cannot open this page"),
            _(
                "Your account's role does not give access to this page. "
                "Ask an administrator if you need it."
            ),
        ),
        404: (
            _("Page not found"),
            _("The address may be mistyped, or what it pointed to no longer exists."),
        ),
        405: (
            _("This action is not possible here"),
            _(
                "This address does not accept this kind of request. "
                "Open the page from the menu instead."
            ),
        ),
        413: (
            _("Too much sent at once"),
            _(
                "The form was larger than the site accepts. "
                "Send less at a time, for example fewer lines."
            ),
        ),
        500: (
            _("Something went wrong on our side"),
            _(
                "The error has been recorded. Try again in a moment; if it happens again, "
                "tell an administrator the time it happened."
            ),
        ),
    }
    return texts.get(
        code,
        (_("The request could not be completed"), _("Go back and try again.")),
    )


def typed_fields() -> list[tuple[str, str]]:
    """The text a refused form carried (name, value), without secrets or empty fields."""
    return [
        (name, value)
        for name, value in request.form.items(multi=True)
        if value.strip() and not any(secret in name for secret in _SECRET_FIELDS)
    ]


def _back_link() -> str | None:
    """The page the person came from, when it is a page of this site."""
    referrer = request.referrer or ""
    prefix = request.host_url.rstrip("/")
    if not referrer.startswith(prefix + "/"):
        return None
    return safe_next(referrer[len(prefix) :])


def _render(code: int, expired_form: bool) -> str:
    if expired_form:
        title = _("The form has expired")
        explanation = _(
            "For your safety a form is accepted only from a page of this site opened in this "
            "session, and this one was not (it was open too long, or you logged in again "
            "meanwhile). Nothing was saved."
        )
    else:
        title, explanation = _wording(code)
    return render_template(
        "staff/error.html",
        code=code,
        title=title,
        explanation=explanation,
        typed=typed_fields() if expired_form else [],
        back=_back_link(),
    )


def error_page(error: HTTPException) -> Any:
    """The error as a page for people; unchanged for the machine routes."""
    if is_machine_route(request.path):
        return error
    code = error.code or 500
    expired_form = isinstance(error, csrf.CSRFError)
    if expired_form:
        refill = csrf.refill_for(request.endpoint)
        # A visitor signed out meanwhile would be sent to log in: the copy boxes keep the text.
        if refill is not None and current_staff() is not None:
            try:
                return refill(**(request.view_args or {}))
            except HTTPException:
                pass  # the role check: not their form; the copy boxes below, still a 400
    try:
        page = _render(code, expired_form)
    except SQLAlchemyError as failure:
        if not isinstance(error, InternalServerError):
            raise
        # The database is what failed: the page without the menu, which reads it.
        current_app.logger.warning("error page without menu: %s", type(failure).__name__)
        g.lessonbot_staff = None
        page = _render(code, expired_form)
    response: Response = make_response(page, code)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return secure_headers(response)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, error_page)
