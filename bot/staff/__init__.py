"""Staff accounts and the shell of the staff pages: log-in, roles, CSRF, language.

``init_app`` configures the session cookie and registers the log-in pages;
the coordinator dashboard and the broadcast pages build on it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask, Response
from flask_babel import get_locale

from bot.services import services
from bot.settings import Settings

SESSION_LIFETIME = timedelta(hours=12)  # also bot.staff.sessions.LIFETIME
# Loopback over plain HTTP is a developer's machine: a Secure cookie would never
# be sent back there. Anything else is served over HTTPS.
_PLAIN_HTTP_HOSTS = ("127.0.0.1", "localhost")
# Pages are server-rendered with no inline script or style and no third party;
# the few scripts (a table's sorting, a message's SMS count) come from our own
# static files and only improve a page that works without them.
_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def now() -> datetime:
    """Naive UTC, as stored, from the app's clock (tests fix the time with it)."""
    return services().now()


def cookie_must_be_secure(settings: Settings, testing: bool) -> bool:
    url = urlsplit(settings.app.public_url)
    local = url.scheme == "http" and url.hostname in _PLAIN_HTTP_HOSTS
    return not (testing or local)


def secure_headers(response: Response) -> Response:
    """Headers for every staff page: no framing, no sniffing, no caching of statistics."""
    response.headers.setdefault("Content-Security-Policy", _CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask, settings: Settings) -> None:
    from bot.staff import admin, auth, csrf, errors, joining, locale

    if not settings.secrets.secret_key:
        raise RuntimeError("LESSONBOT_SECRET_KEY is not set: staff sessions cannot be signed")
    app.secret_key = settings.secrets.secret_key
    app.config.update(
        SESSION_COOKIE_NAME="lessonbot_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=cookie_must_be_secure(settings, app.testing),
        PERMANENT_SESSION_LIFETIME=SESSION_LIFETIME,
    )
    csrf.init_app(app)
    errors.init_app(app)
    locale.init_app(app)
    app.register_blueprint(auth.blueprint)
    admin.init_app(app)
    joining.init_app(app)
    app.context_processor(
        lambda: {
            "current_staff": auth.current_staff,
            "page_language": lambda: str(get_locale() or locale.DEFAULT_LANGUAGE),
            "staff_links": lambda: (
                auth.links_for(staff.role) if (staff := auth.current_staff()) else []
            ),
        }
    )
