"""The gettext catalogs are complete: every text exists in every language.

Fails when a .po file misses a translation or has a fuzzy one, when a
translation loses a placeholder, or when messages.pot is stale against a fresh
extraction from the code, made with the command in babel.cfg (run
`make catalogs-update` and translate what is new).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bot.settings import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "bot" / "translations"
LANGUAGES = ("es", "en", "fr", "ht")
SOURCES = ("bot", "lessons", "nlu/actions", "scheduler")
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}|%\([a-z_]+\)[sd]")


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def msgids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {message.id for message in catalog if message.id}


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def translations(message: Message) -> list[str]:
    string = message.string
    return list(string) if isinstance(string, tuple) else [string]


@pytest.fixture(scope="module")
def template() -> Catalog:
    return read_catalog(TRANSLATIONS / "messages.pot")


def test_template_matches_a_fresh_extraction(tmp_path: Path, template: Catalog) -> None:
    fresh_path = tmp_path / "messages.pot"
    result = subprocess.run(
        [
            sys.executable, "-m", "babel.messages.frontend", "extract",
            "-F", "babel.cfg", "-k", "lazy_gettext", "-o", str(fresh_path), *SOURCES,
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    fresh = read_catalog(fresh_path)
    assert msgids(fresh) - msgids(template) == set(), "new texts: run `make catalogs-update`"
    assert msgids(template) - msgids(fresh) == set(), "texts gone: run `make catalogs-update`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_is_translated(language: str, template: Catalog) -> None:
    catalog = read_catalog(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    assert msgids(catalog) == msgids(template), "run `make catalogs-update`"
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, f"{language}: fuzzy translation of {message.id!r}"
        strings = translations(message)
        assert all(s.strip() for s in strings), f"{language}: no translation of {message.id!r}"
        singular = message.id[0] if isinstance(message.id, tuple) else message.id
        for string in strings:
            assert placeholders(string) == placeholders(singular), (
                f"{language}: placeholders differ in {string!r}"
            )


def test_english_is_the_msgid() -> None:
    catalog = read_catalog(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po")
    for message in catalog:
        if message.id and not isinstance(message.id, tuple):
            assert message.string == message.id
