"""The learner directory: staff find a learner, see their progress, tag, pause, resume, erase.

- ``search``: the filters (id, a number typed in and hashed, tag, course,
  language, status) and the paged query; the CSV's rows.
- ``profile``: one learner's page (no number, no message text).
- ``actions``: pause, resume, erase on request; audited.
- ``views``: the pages (staff and admins; coordinators never see one learner).
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext

from bot.staff.models import Role
from bot.staff.navigation import register_link

DIRECTORY_ROLES = (Role.STAFF, Role.ADMIN)


def init_app(app: Flask) -> None:
    from bot.directory import views

    app.register_blueprint(views.blueprint)
    register_link(
        app, lazy_gettext("Learners"), "learners.list_page", DIRECTORY_ROLES, landing=False
    )
