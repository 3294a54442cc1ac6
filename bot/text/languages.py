"""The languages learners are taught in: the one list the settings, the lessons and the menus share.

Spanish comes first: it is the base language of the lesson files and the
first line of the language menu. Every language here has a gettext catalog
(bot/translations) and every lesson text exists in all of them.
"""

from __future__ import annotations

LANGUAGES: tuple[str, ...] = ("es", "en", "fr", "ht")

# Each language's own name, as the language menu shows it.
LANGUAGE_NAMES: dict[str, str] = {
    "es": "Español",
    "en": "English",
    "fr": "Français",
    "ht": "Kreyòl",
}
