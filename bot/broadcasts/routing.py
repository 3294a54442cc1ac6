"""How each recipient's message goes: SMS, WhatsApp text, the template, or SMS instead.

WhatsApp takes free text only within 24 hours of the learner's last message.
Outside it the approved template goes (its one variable carries the text; in
the text's language where one is configured for it), or,
if configured, an SMS to the same number; with neither, the learner is skipped.
The window is judged a few minutes ahead, since the message leaves a little
after it is queued.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.broadcasts.models import Route
from bot.learners.localtime import WHATSAPP_WINDOW
from bot.settings import Settings
from bot.text.render import ChannelName, Message, render

# A window closing within this margin counts as closed already.
WINDOW_MARGIN = timedelta(minutes=5)
PLAIN_ROUTES: dict[str, ChannelName] = {
    Route.SMS: ChannelName.SMS,
    Route.SMS_FALLBACK: ChannelName.SMS,
    Route.WHATSAPP: ChannelName.WHATSAPP,
}


def window_cutoff(now: datetime) -> datetime:
    """A WhatsApp window is open for a learner who last wrote after this moment."""
    return now + WINDOW_MARGIN - WHATSAPP_WINDOW


def choose_route(
    channel: str, window_open: bool, language: str | None, settings: Settings
) -> Route:
    """The route of a message in ``language`` (the text's) to a learner on ``channel``."""
    if channel != ChannelName.WHATSAPP:
        return Route.SMS
    if window_open:
        return Route.WHATSAPP
    if settings.broadcast_template_sid(language):
        return Route.WHATSAPP_TEMPLATE
    if settings.broadcasts.sms_fallback_for_closed_window:
        return Route.SMS_FALLBACK
    return Route.NONE


def template_text(text: str) -> str:
    """The text as the template's variable: WhatsApp refuses line breaks and tabs there."""
    return " ".join(text.split())


def template_variables(text: str) -> dict[str, str]:
    return {"1": template_text(text)}


def as_shown(text: str, route: str, language: str, settings: Settings) -> str:
    """The text the phone shows (for the template: what fills its variable)."""
    if route == Route.WHATSAPP_TEMPLATE:
        return template_text(text)
    channel = PLAIN_ROUTES.get(route)
    if channel is None:
        return ""
    return render(Message(text=text), channel, language, settings.sms_accent_free(language))
