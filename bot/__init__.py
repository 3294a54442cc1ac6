"""lessonbot: SMS and WhatsApp micro-lessons for migrants in Panama.

``create_app`` is the Flask application factory (``flask --app bot run``).
It imports the app only when called: ``import bot.text`` (the lessons do)
must not load the web app, the database and the settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from bot.settings import Settings


def create_app(overrides: dict[str, Any] | None = None, settings: Settings | None = None) -> Flask:
    """Build the web app: Twilio webhooks, health check, staff and coordinator pages.

    ``overrides``: Flask's own config in capitals (``{"TESTING": True}``), and
    settings as dotted paths (``{"sender.rate_per_second": 1}``).
    """
    from flask import Flask

    from bot import broadcasts, dashboard, directory, inbox, metrics, services, staff, tags
    from bot.messaging import webhooks
    from bot.ops import health, limits
    from bot.services import Services
    from bot.settings import load_settings

    app = Flask(__name__)
    overrides = overrides or {}
    flask_config = {key: value for key, value in overrides.items() if key.isupper()}
    settings = settings or load_settings(
        {key: value for key, value in overrides.items() if not key.isupper()}
    )
    app.config.update(flask_config)
    app.config["TESTING"] = settings.testing or bool(flask_config.get("TESTING"))
    if settings.app.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Trust exactly this many proxies for the client address and scheme.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.app.proxy_hops, x_proto=settings.app.proxy_hops
        )
    services.init_app(app, Services.for_settings(settings))
    limits.init_app(app, settings)  # first: the CSRF check reads the form
    webhooks.init_app(app)
    health.init_app(app)
    metrics.init_app(app)
    staff.init_app(app, settings)
    dashboard.init_app(app)
    broadcasts.init_app(app)
    tags.init_app(app)
    inbox.init_app(app)
    directory.init_app(app)
    return app
