"""The fixed menus learners choose from: the option labels, one source for two readers.

The Rasa actions (nlu/actions/onboarding.py, info.py) show these menus, and
``lessonbot whatsapp sync`` (``bot.messaging.content_sync``) creates the
WhatsApp buttons and lists for them ahead of time: both take the labels from
here, so that the Content created is the Content a message needs. The order
of the presets is the order of the labels (option 1 is the first preset).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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


def menu_text(language: str) -> str:
    """The help menu as text: what to write, one keyword a line."""
    _ = gettext_for(language)
    return "\n".join([_("Write one of these words:"), *menu_lines(_)])
