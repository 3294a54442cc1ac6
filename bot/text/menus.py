"""The fixed menus learners choose from, text and options: one source for two readers.

The Rasa actions (nlu/actions/onboarding.py, info.py) send these menus, and
``lessonbot whatsapp sync`` (``bot.messaging.content_sync``) creates the
WhatsApp buttons and lists for them ahead of time: both take them from here,
so that the Content created is exactly the Content a message needs (it is
named by a hash of what it shows). The order of the presets is the order of
the labels (option 1 is the first preset).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.text.i18n import gettext_for
from bot.text.languages import LANGUAGE_NAMES, LANGUAGES
from bot.text.times import format_clock


class Titled(Protocol):
    """A course as the menu needs it (``lessons.Course``; bot.text never imports lessons)."""

    @property
    def title(self) -> Mapping[str, str]: ...


# The four delivery times offered in onboarding (morning, midday, afternoon,
# evening), also what a bare part of the day means (nlu/actions/readers/timeparse.py).
PRESET_TIMES: tuple[str, ...] = ("08:00", "12:00", "17:00", "19:00")
# The three day choices, as ``Learner.delivery_days`` masks: every day,
# Monday to Friday, the weekend.
PRESET_DAYS: tuple[str, ...] = ("1111111", "1111100", "0000011")


def language_options() -> list[str]:
    """The language menu: each language in its own name, whatever the learner's language."""
    return [LANGUAGE_NAMES[code] for code in LANGUAGES]


def consent_options(language: str) -> list[str]:
    """The answers to the privacy notice's "Do you agree?"."""
    _ = gettext_for(language)
    return [_("Yes"), _("No")]


def course_options(courses: Sequence[Titled], language: str) -> list[str]:
    """The course menu: the titles of ``courses`` (in the order offered)."""
    return [course.title[language] for course in courses]


def delivery_time_options(language: str) -> list[str]:
    """The delivery time menu, one label per ``PRESET_TIMES``."""
    _ = gettext_for(language)
    morning, midday, afternoon, evening = (format_clock(t, language) for t in PRESET_TIMES)
    return [
        _("Morning, {time}").format(time=morning),
        _("Midday, {time}").format(time=midday),
        _("Afternoon, {time}").format(time=afternoon),
        _("Evening, {time}").format(time=evening),
    ]


def delivery_day_options(language: str) -> list[str]:
    """The delivery days menu, one label per ``PRESET_DAYS``."""
    _ = gettext_for(language)
    return [_("Every day"), _("Monday to Friday"), _("Weekends only")]


def menu_lines(_: Callable[[str], str]) -> list[str]:
    """The keywords a learner can write, each with what it does."""
    return [
        _("NEXT: your next lesson"),
        _("REPEAT: the lesson again"),
        _("PROGRESS: how you are doing"),
        _("TIME: change the time of your lessons"),
        _("ZONE: if you moved to another country"),
        _("LANGUAGE: change the language"),
        _("PAUSE: take a break"),
        _("PERSON: talk to someone from the team"),
        _("STOP: no more messages"),
        _("DELETE: erase your data"),
    ]


def menu_keywords(language: str) -> list[tuple[str, str]]:
    """The menu as (keyword, what it does) pairs, for WhatsApp's list of keywords to tap."""
    _ = gettext_for(language)
    pairs = []
    for line in menu_lines(_):
        word, _colon, what = line.partition(":")
        pairs.append((word.strip(), what.strip()))
    return pairs


def stop_keyword(language: str) -> str:
    """The word that stops all messages, as the menu names it: STOP, BAJA, KANPE."""
    _ = gettext_for(language)
    return _("STOP: no more messages").partition(":")[0].strip()


def menu_text(language: str) -> str:
    """The help menu as text: what to write, one keyword a line."""
    _ = gettext_for(language)
    return "\n".join([_("Write one of these words:"), *menu_lines(_)])


@dataclass(frozen=True)
class Menu:
    """A message with a choice: its text, numbered options, or keywords to tap (WhatsApp)."""

    text: str
    options: tuple[str, ...] = ()
    keywords: tuple[tuple[str, str], ...] = ()


def language_menu() -> Menu:
    """The language question, in all four languages at once."""
    asks = []
    for code in LANGUAGES:
        _ = gettext_for(code)
        asks.append(_("Choose your language"))
    return Menu(" / ".join(asks), tuple(language_options()))


def consent_menu(language: str, retention_days: int) -> Menu:
    """The privacy notice and "Do you agree?"."""
    _ = gettext_for(language)
    notice = _(
        "Privacy: we keep your number encrypted and your answers, to follow your "
        "progress. We delete the texts of messages after {days} days; our SMS "
        "provider may keep its own copies longer. Write DELETE at any time to erase "
        "everything, the provider's copies too."
    ).format(days=retention_days)
    return Menu(notice + "\n" + _("Do you agree?"), tuple(consent_options(language)))


def course_menu(courses: Sequence[Titled], language: str) -> Menu:
    _ = gettext_for(language)
    return Menu(_("Which course do you want to start?"), tuple(course_options(courses, language)))


def delivery_time_menu(language: str) -> Menu:
    _ = gettext_for(language)
    text = _("What time do you want your lessons? Choose one, or write a time like 6:30 pm.")
    return Menu(text, tuple(delivery_time_options(language)))


def delivery_day_menu(language: str) -> Menu:
    _ = gettext_for(language)
    text = _(
        "Which days do you want your lessons? Choose one, or write the days, like: mon wed fri"
    )
    return Menu(text, tuple(delivery_day_options(language)))


def help_menu(language: str) -> Menu:
    """The help menu (MENU): the keywords to write, and on WhatsApp to tap."""
    return Menu(menu_text(language), keywords=tuple(menu_keywords(language)))


def welcome_back_menu(language: str) -> Menu:
    """A signed-up learner's greeting: the help menu after "Welcome back!"."""
    _ = gettext_for(language)
    text = _("Welcome back!") + "\n" + menu_text(language)
    return Menu(text, keywords=tuple(menu_keywords(language)))
