"""The coordinator dashboard: enrolment, completion, quiz and delivery statistics.

Figures are SQL aggregates (``queries``), shown with small-number suppression
(``privacy``) as server-rendered pages with inline SVG charts and CSV exports.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext

from bot.staff.navigation import register_link


def init_app(app: Flask) -> None:
    from bot.dashboard import views

    app.register_blueprint(views.blueprint)
    register_link(app, lazy_gettext("Statistics"), "dashboard.overview_page", views.COORDINATORS)
