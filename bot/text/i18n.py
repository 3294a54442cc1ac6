"""Learner-facing fixed strings, from gettext catalogs in bot/translations.

msgids are written in English; every supported language (es, en, fr, ht) has a
catalog of its own, so a missing translation is caught the same way for all.
The .po files are committed; the compiled .mo files are built by
`make catalogs` (part of both set-up commands) and ignored by git.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache
from pathlib import Path

# The catalogs sit beside the app (bot/translations), where Babel and Flask-Babel look.
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
DOMAIN = "messages"


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog for ``language``; raises if it was not built."""
    return gettext.translation(DOMAIN, localedir=TRANSLATIONS_DIR, languages=[language])


def gettext_for(language: str) -> Callable[[str], str]:
    return translations(language).gettext


def ngettext_for(language: str) -> Callable[[str, str, int], str]:
    return translations(language).ngettext


def marked(message: str) -> str:
    """Mark a msgid for extraction and return it as is: it is translated later, per learner
    or per email, by ``gettext_for``. Modules import it as ``_`` so that Babel finds it."""
    return message
