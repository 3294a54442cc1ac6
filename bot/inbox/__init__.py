"""A person in the loop: the learner's conversations with staff (the inbox).

``models`` holds the conversation table; ``conversations`` is the one owner
of its state changes (open, a learner's message noted, a staff reply, assign,
close, the bot resumed). Pages, the command line and Rasa's custom actions
call it; none of them writes a conversation row itself.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext

from bot.staff.models import Role
from bot.staff.navigation import register_link

# Who answers learners. Coordinators see only the dashboard's counts.
RESPONDERS = (Role.STAFF, Role.ADMIN)


def waiting_badge() -> int:
    """The menu's badge: conversations waiting for an answer (one COUNT)."""
    from bot.db import session_scope
    from bot.inbox.conversations import waiting_count
    from bot.services import services

    with session_scope(services().sessions) as session:
        return waiting_count(session)


def init_app(app: Flask) -> None:
    from bot.inbox import views

    app.register_blueprint(views.blueprint)
    register_link(
        app,
        lazy_gettext("Inbox"),
        "inbox.list_page",
        RESPONDERS,
        landing=False,
        badge=waiting_badge,
    )
