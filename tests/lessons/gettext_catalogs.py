"""In-memory gettext catalogs holding the rendering footers and list button, for tests.

Rendering tests must not depend on whether ``make catalogs`` has run, nor on
the wording in bot/translations (another module's tests check those): they
install these small catalogs with ``use_test_catalogs(monkeypatch)``.
"""

from __future__ import annotations

import gettext
from io import BytesIO

import pytest
from babel.messages.catalog import Catalog as PoCatalog
from babel.messages.mofile import write_mo

import bot.text.i18n

# The msgids bot.text.render and bot.text.choices use, translated as in the catalogs.
FOOTERS: dict[str, dict[str, str]] = {
    "es": {
        "Reply 1": "Responde 1",
        "Reply 1 or 2": "Responde 1 o 2",
        "Reply 1, 2 or 3": "Responde 1, 2 o 3",
        "Reply 1, 2, 3 or 4": "Responde 1, 2, 3 o 4",
        "Reply with a number from 1 to %(last)d": "Responde con un número del 1 al %(last)d",
        "Choose": "Elegir",
    },
    "en": {},
    "fr": {
        "Reply 1": "Réponds 1",
        "Reply 1 or 2": "Réponds 1 ou 2",
        "Reply 1, 2 or 3": "Réponds 1, 2 ou 3",
        "Reply 1, 2, 3 or 4": "Réponds 1, 2, 3 ou 4",
        "Reply with a number from 1 to %(last)d": "Réponds par un numéro de 1 à %(last)d",
        "Choose": "Choisir",
    },
    "ht": {
        "Reply 1": "Reponn 1",
        "Reply 1 or 2": "Reponn 1 oswa 2",
        "Reply 1, 2 or 3": "Reponn 1, 2 oswa 3",
        "Reply 1, 2, 3 or 4": "Reponn 1, 2, 3 oswa 4",
        "Reply with a number from 1 to %(last)d": "Reponn ak yon nimewo soti 1 rive %(last)d",
        "Choose": "Chwazi",
    },
}
MSGIDS = tuple(FOOTERS["es"])


def translations_for_tests(language: str) -> gettext.GNUTranslations:
    catalog = PoCatalog(locale=language)
    for msgid in MSGIDS:
        catalog.add(msgid, FOOTERS[language].get(msgid, msgid))
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def use_test_catalogs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.text.i18n, "translations", translations_for_tests)


def compiled_catalogs_exist() -> bool:
    """True when ``make catalogs`` has built a catalog for every language."""
    return all(
        (bot.text.i18n.TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.mo").is_file()
        for language in FOOTERS
    )
