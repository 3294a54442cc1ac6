"""What the broadcast pages read from forms and show around them.

Staff type times in Panama's time (the NGO's office); they are stored as
naive UTC like every other time in the app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from babel.dates import format_datetime
from babel.numbers import format_decimal
from flask_babel import gettext as _

from bot.broadcasts import approval
from bot.broadcasts.compose import FieldError
from bot.broadcasts.models import BroadcastStatus, Route, SkipReason
from bot.clock import typed_moment_in_range
from bot.dashboard.formatting import channel_name, language_name
from bot.learners.localtime import DEFAULT_TIMEZONE, to_local, to_utc, zone
from bot.staff.failures import failure_label  # noqa: F401  (the progress page's labels)
from bot.staff.locale import number_locale

STAFF_TIMEZONE = DEFAULT_TIMEZONE


def parse_send_at(when: str | None, text: str | None) -> tuple[datetime | None, list[FieldError]]:
    """The chosen start (naive UTC), None for "now", or the error naming ``send_at``."""
    if when != "later":
        return None, []
    if not text:
        return None, [FieldError("send_at", _("Choose the date and time to send it."))]
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        local = None
    # Near the calendar's ends, the conversion to UTC would overflow.
    if local is None or not typed_moment_in_range(local):
        return None, [FieldError("send_at", _("This is not a date and time."))]
    if local.tzinfo is None:  # as typed in the form: Panama time
        local = local.replace(tzinfo=zone(STAFF_TIMEZONE))
    return to_utc(local), []


def local_time(moment: datetime | None) -> str:
    """A stored time as staff read it: Panama time, to the second."""
    if moment is None:
        return ""
    return to_local(moment, STAFF_TIMEZONE).strftime("%Y-%m-%d %H:%M:%S")


def local_datetime(moment: datetime | None) -> str:
    """A stored time (naive UTC) in Panama time, as the page's locale writes it (Babel)."""
    if moment is None:
        return ""
    return format_datetime(moment, "medium", tzinfo=zone(STAFF_TIMEZONE), locale=number_locale())


def field_label(name: str) -> str:
    """The field an error belongs to, in words (for the list at the top of the form)."""
    prefix, _sep, language = name.rpartition("_")
    if prefix == "text":
        return _("Message in %(language)s", language=language_name(language))
    if prefix == "name_fallback":
        return _("Value of {first_name} in %(language)s", language=language_name(language))
    labels = {
        "fallback_language": _("Missing translations"),
        "audience": _("Audience"),
        "send_at": _("Scheduled time"),
        "enrolled_from": _("Enrolled from"),
        "enrolled_to": _("Enrolled until"),
        "title": _("Title"),
    }
    return labels.get(name, name)


def errors_by_field(errors: Iterable[FieldError]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in errors:
        found.setdefault(error.field, []).append(error.message)
    return found


def approval_reason(why: dict[str, Any] | None) -> str:
    """Why a broadcast waits for approval, when it is more than its own count (else "")."""
    if not why:
        return ""
    reason = why.get("reason")
    if reason == approval.GREW:
        return _(
            "When sending was to start, the audience had %(recipients)s learners, "
            "more than the %(approved)s that were approved: it needs approval again.",
            recipients=why["recipients"],
            approved=why["approved"],
        )
    if reason == approval.OVER_THRESHOLD:
        return _(
            "When sending was to start, the audience had grown to %(recipients)s learners, "
            "above the %(threshold)s that may go without approval.",
            recipients=why["recipients"],
            threshold=why["threshold"],
        )
    if reason == approval.AUTHOR_TOTAL:
        return _(
            "Together with the same author's other broadcasts within 24 hours "
            "(%(others)s learners), it goes to more than %(threshold)s learners.",
            others=why["others"],
            threshold=why["threshold"],
        )
    return ""


def status_name(status: str) -> str:
    names: dict[str, str] = {
        BroadcastStatus.DRAFT: _("Draft"),
        BroadcastStatus.AWAITING_APPROVAL: _("Waiting for approval"),
        BroadcastStatus.SCHEDULED: _("Scheduled"),
        BroadcastStatus.SENDING: _("Sending"),
        BroadcastStatus.SENT: _("Sent"),
        BroadcastStatus.CANCELLED: _("Cancelled"),
    }
    return names.get(status, status)


def route_name(route: str) -> str:
    names: dict[str, str] = {
        Route.SMS: _("SMS"),
        Route.WHATSAPP: _("WhatsApp"),
        Route.WHATSAPP_TEMPLATE: _("WhatsApp template (window closed)"),
        Route.SMS_FALLBACK: _("SMS instead of WhatsApp (window closed)"),
        Route.NONE: _("Cannot be reached (WhatsApp window closed)"),
    }
    return names.get(route, route)


def reason_name(reason: str) -> str:
    names: dict[str, str] = {
        SkipReason.WINDOW_CLOSED: _("WhatsApp window closed, no template"),
        SkipReason.UNREACHABLE: _("Opted out or erased before their turn"),
        SkipReason.NO_TEXT: _("No text in their language"),
    }
    return names.get(reason, reason)


def number(value: int) -> str:
    """A count as the page's locale writes it (es_PA and en_US: 1,170)."""
    return format_decimal(value, locale=number_locale())


FILTERS: dict[str, Callable[..., str]] = {
    "language_name": language_name,
    "channel_name": channel_name,
    "number": number,
}
