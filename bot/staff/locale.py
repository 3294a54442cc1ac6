"""The staff pages' language: the one chosen with the switch, else the browser's.

Learner-facing text has its own languages (``bot.text.i18n``); the staff and
coordinator pages exist in Spanish and English.
"""

from __future__ import annotations

from flask import Flask, request, session
from flask_babel import Babel, get_locale

PAGE_LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"
_SESSION_KEY = "page_language"
# The pages are read in Panama: numbers as Panama writes them (Babel's es_PA:
# 1,170 and 31.1%), not as Spain does (1.170 and 31,1 %), which a reader here
# takes for one thousand one hundred and seventy thousandths.
_NUMBER_LOCALES = {"es": "es_PA", "en": "en_US"}


def select_locale() -> str:
    chosen = session.get(_SESSION_KEY)
    if chosen in PAGE_LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(PAGE_LANGUAGES) or DEFAULT_LANGUAGE


def number_locale() -> str:
    """The Babel locale for numbers on the current page: es_PA or en_US."""
    return _NUMBER_LOCALES.get(str(get_locale() or DEFAULT_LANGUAGE), "es_PA")


def choose_language(language: str) -> bool:
    """Remember the switch's choice for this browser session; False if unknown."""
    if language not in PAGE_LANGUAGES:
        return False
    session[_SESSION_KEY] = language
    return True


def init_app(app: Flask) -> None:
    # The catalogs are the app's own (bot/translations, domain "messages").
    if "babel" not in app.extensions:
        Babel(app, default_locale=DEFAULT_LANGUAGE, locale_selector=select_locale)
