"""Learner tags (a training site, a cohort): staff put them on learners by pseudonymous id.

- ``service``: parse ids, add or remove a tag (audited), count tags.
- ``views``: the staff page (staff and admins; CSRF like every form).
- ``cli``: `lessonbot tags add|remove|list`.
- ``joincodes`` and ``code_views``: codes learners write to join a tag's
  cohort themselves, and the printable poster with its QR code.

Coordinators filter statistics by tag; broadcasts target tags.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext

from bot.staff.models import Role
from bot.staff.navigation import register_link

TAGGERS = (Role.STAFF, Role.ADMIN)


def tag_rule_text() -> str:
    """What a tag may be, for any page that refuses one (the rule: ``service.normalise_tag``)."""
    return _(
        "A tag is 1 to 64 lower-case letters, digits, dots, dashes or underscores, "
        "starting with a letter or digit."
    )


def init_app(app: Flask) -> None:
    from bot.tags import code_views, views

    app.register_blueprint(views.blueprint)
    app.register_blueprint(code_views.blueprint)
    register_link(app, lazy_gettext("Learner tags"), "tags.page", TAGGERS, landing=False)
    register_link(app, lazy_gettext("Join codes"), "join_codes.list_page", TAGGERS, landing=False)
