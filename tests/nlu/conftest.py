"""Fixtures for the custom actions: their context on the test database, a clock, the domain."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import bot.text.i18n
from bot.services import Services
from bot.settings import PROJECT_ROOT, Settings
from nlu.actions import context
from tests.nlu.helpers import FIXED_NOW, Clock


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """Compile the committed .po files, as `make catalogs` does, when a .mo is missing or old."""
    for po_path in bot.text.i18n.TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as source:
            catalog = read_po(source)
        with mo_path.open("wb") as target:
            write_mo(target, catalog)
    bot.text.i18n.translations.cache_clear()


@pytest.fixture
def clock() -> Clock:
    return Clock(FIXED_NOW)


@pytest.fixture
def action_context(settings: Settings, clock: Clock) -> Iterator[Services]:
    yield context.configure(settings, clock=clock)
    context.reset()


@pytest.fixture(scope="session")
def domain() -> dict[str, Any]:
    """The real domain: actions see exactly the slots and forms Rasa sends them."""
    with (PROJECT_ROOT / "nlu" / "domain.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)
