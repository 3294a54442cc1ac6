"""Times of day and days of the week as a learner reads them, in their language."""

from __future__ import annotations

import re
from datetime import time

from babel import Locale, UnknownLocaleError
from babel.dates import format_time, get_day_names
from babel.lists import format_list

from bot.text.i18n import gettext_for

# CLDR locales for times of day. Spanish uses Panama's 12-hour clock, written
# "7:00 pm" as in text messages (CLDR's "7:00 p. m." would end a sentence in
# ".."). Haitian Creole ("ht") has only a thin CLDR locale: Babel 2.19 formats
# 24-hour times ("19:00"), as written in Haiti; a Babel without "ht" falls
# back to French, which formats times the same way.
_TIME_LOCALES = {"es": "es_PA", "en": "en_US", "fr": "fr", "ht": "ht"}
_FALLBACK_LOCALE = "fr"


def format_clock(hhmm: str, language: str) -> str:
    """ "19:00" as the learner reads it: "7:00 pm" (es), "7:00 PM" (en), "19:00" (fr, ht)."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    try:
        locale = Locale.parse(_TIME_LOCALES.get(language, language))
    except UnknownLocaleError:
        locale = Locale.parse(_FALLBACK_LOCALE)
    text = format_time(time(hour, minute), format="short", locale=locale)
    # CLDR puts narrow no-break spaces in "p. m."; they would force UCS-2 SMS.
    text = text.replace("\u202f", " ").replace("\xa0", " ")
    return re.sub(r"\b([ap])\. m\.", r"\1m", text)


# Babel's "ht" data has no day names of its own (it gives English ones).
_HAITIAN_DAYS = ("lendi", "madi", "mèkredi", "jedi", "vandredi", "samdi", "dimanch")


def day_names(language: str) -> tuple[str, ...]:
    """The days of the week in the learner's language, Monday first."""
    if language == "ht":
        return _HAITIAN_DAYS
    try:
        locale = Locale.parse(_TIME_LOCALES.get(language, language))
    except UnknownLocaleError:
        locale = Locale.parse(_FALLBACK_LOCALE)
    names = get_day_names("wide", locale=locale)
    return tuple(names[day] for day in range(7))


def format_days(mask: str, language: str) -> str:
    """ "1111100" as "de lunes a viernes" / "Monday to Friday"; "1010100" as a list."""
    _ = gettext_for(language)
    names = day_names(language)
    days = [day for day in range(7) if mask[day] == "1"]
    if len(days) >= 3 and days == list(range(days[0], days[-1] + 1)):
        return _("{first} to {last}").format(first=names[days[0]], last=names[days[-1]])
    chosen = [names[day] for day in days]
    if language == "ht":
        return chosen[0] if len(chosen) == 1 else ", ".join(chosen[:-1]) + " ak " + chosen[-1]
    return format_list(chosen, locale=Locale.parse(_TIME_LOCALES.get(language, _FALLBACK_LOCALE)))
