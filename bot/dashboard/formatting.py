"""Cells as a person reads them on the page, in the page's language."""

from __future__ import annotations

from babel import Locale
from babel.numbers import format_decimal, format_percent
from flask_babel import get_locale
from flask_babel import gettext as _

from bot.dashboard.privacy import Suppressed
from bot.dashboard.tables import Cell
from bot.staff.locale import number_locale
from bot.vocab import ChannelName

DASH = "—"  # a share hidden for privacy, or nothing to show


def cell_text(value: Cell) -> str:
    if value is None:
        return DASH
    if isinstance(value, Suppressed | str):
        return str(value)
    if isinstance(value, float):
        return format_percent(value, "#,##0.0%", locale=number_locale())
    return format_decimal(value, locale=number_locale())


def language_name(code: str | None) -> str:
    """ "Spanish (es)" in the page's language; the learner's language, not the page's."""
    if not code:
        return _("Not set")
    locale = get_locale() or Locale("en")
    name = locale.languages.get(code)
    return f"{name} ({code})" if name else code


def channel_name(code: str | None) -> str:
    names: dict[str, str] = {ChannelName.SMS: "SMS", ChannelName.WHATSAPP: "WhatsApp"}
    return names.get(code or "", code or _("Not set"))


def period_note(unit: str) -> str:
    return {
        "day": _("One row per day."),
        "week": _("One row per week, from Monday."),
        "month": _("One row per month."),
    }[unit]
