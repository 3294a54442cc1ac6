"""Texts several actions share: the menu, times of day, language and course names.

The menus and the clock texts live in ``bot.text`` (``menus``, ``times``), where
``lessonbot whatsapp sync`` reads them too; they are re-exported here for the
actions.
"""

from __future__ import annotations

from bot.text.menus import menu_keywords, menu_lines, menu_text
from bot.text.times import day_names, format_clock, format_days
from lessons import Course

__all__ = [
    "course_title",
    "day_names",
    "format_clock",
    "format_days",
    "menu_keywords",
    "menu_lines",
    "menu_text",
]


def course_title(course: Course, language: str) -> str:
    return course.title[language]
