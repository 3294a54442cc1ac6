"""Staff broadcasts: compose in every learner language, target a segment,
preview the cost, approve, send through the outbox at the sender's pace, follow.

- ``models``: Broadcast and its recipients (the snapshot taken when it starts).
- ``audience``: the segment as SQL filters, its live count and the snapshot.
- ``compose``: texts, fallbacks, variables and every validation error, by field.
- ``preview``: each language and channel as the phone shows it, with the cost.
- ``lifecycle``: send, approve, undo, cancel (each written to the audit log).
- ``queueing``: the scheduler's job: start due broadcasts, feed the outbox.
- ``progress``: the follow page's counts and the recipients' CSV.
- ``views`` and ``cli``: the pages (staff and admin only) and `lessonbot broadcast`.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext, ngettext

from bot.staff.models import Role
from bot.staff.navigation import register_link

# Who may open the broadcast pages. Coordinators read statistics only.
BROADCASTERS = (Role.STAFF, Role.ADMIN)


def approvals_badge() -> int:
    """The menu's badge: broadcasts waiting for this person's approval (one COUNT)."""
    from bot.broadcasts.approval import waiting_for
    from bot.db import session_scope
    from bot.services import services
    from bot.staff.auth import current_staff

    staff = current_staff()
    if staff is None:
        return 0
    with session_scope(services().sessions) as session:
        return waiting_for(session, staff.id)


def approvals_title(count: int) -> str:
    return ngettext(
        "%(num)s broadcast waiting for your approval",
        "%(num)s broadcasts waiting for your approval",
        count,
    )


def init_app(app: Flask) -> None:
    from bot.broadcasts import views

    app.register_blueprint(views.blueprint)
    register_link(
        app,
        lazy_gettext("Broadcasts"),
        "broadcasts.list_page",
        BROADCASTERS,
        badge=approvals_badge,
        badge_title=approvals_title,
    )
