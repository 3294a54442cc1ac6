"""lessonbot: SMS and WhatsApp micro-lessons for migrants in Panama.

``create_app`` is the Flask application factory (``flask --app bot run``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from bot.db import make_engine, make_session_factory
from bot.settings import Settings, load_settings


def create_app(overrides: dict[str, Any] | None = None, settings: Settings | None = None) -> Flask:
    """Build the web app: Twilio webhooks, health check, staff and coordinator pages.

    ``overrides``: Flask's own config in capitals (``{"TESTING": True}``), and
    settings as dotted paths (``{"sender.rate_per_second": 1}``).
    """
    app = Flask(__name__)
    overrides = overrides or {}
    flask_config = {key: value for key, value in overrides.items() if key.isupper()}
    settings = settings or load_settings(
        {key: value for key, value in overrides.items() if not key.isupper()}
    )
    app.config.update(flask_config)
    app.config["TESTING"] = settings.testing or bool(flask_config.get("TESTING"))
    app.extensions["lessonbot.settings"] = settings
    if settings.app.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Trust exactly this many proxies for the client address and scheme.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.app.proxy_hops, x_proto=settings.app.proxy_hops
        )
    engine = make_engine(settings.app.database_url)
    app.extensions["lessonbot.engine"] = engine
    app.extensions["lessonbot.sessions"] = make_session_factory(engine)
    from bot.ingest import GroupCommit

    app.extensions["lessonbot.ingest"] = GroupCommit(app.extensions["lessonbot.sessions"], settings)

    from bot import broadcasts, dashboard, health, staff, tags, webhooks

    webhooks.init_app(app)
    health.init_app(app)
    staff.init_app(app, settings)
    dashboard.init_app(app)
    broadcasts.init_app(app)
    tags.init_app(app)
    return app
