"""Days of the week by message: "solo lunes a viernes", "weekdays", "lun mie vie"."""

from __future__ import annotations

import pytest

from nlu.actions.readers.timeparse import parse_weekdays
from nlu.actions.texts import format_days

WEEKDAYS, WEEKEND, EVERY_DAY = "1111100", "0000011", "1111111"

# case, text, expected mask (None: no days named)
DAYS = [
    ("Spanish range", "solo lunes a viernes", WEEKDAYS),
    ("Spanish range with a time", "de lunes a viernes a las 7", WEEKDAYS),
    ("English group", "weekdays", WEEKDAYS),
    ("Spanish group", "solo entre semana", WEEKDAYS),
    ("French group", "en semaine seulement", WEEKDAYS),
    ("short Spanish names", "lun mie vie", "1010100"),
    ("short English names, a dash", "mon-fri", WEEKDAYS),
    ("French range", "du lundi au vendredi", WEEKDAYS),
    ("Creole range", "lendi rive vandredi", WEEKDAYS),
    ("Creole list with accents", "lendi, mèkredi ak vandredi", "1010100"),
    ("accents and plurals", "sábados y domingos", WEEKEND),
    ("English plural", "Sundays only", "0000001"),
    ("weekend", "los fines de semana", WEEKEND),
    ("a range across the weekend", "viernes a lunes", "1000111"),
    ("every day", "todos los dias", EVERY_DAY),
    ("all but Sunday", "todos menos los domingos", "1111110"),
    ("English exception", "every day except sunday", "1111110"),
    ("Creole exception", "chak jou sof dimanch", "1111110"),
    ("two days", "los martes y jueves", "0101000"),
    ("a time only", "HORA 19", None),
    ("morning is not tomorrow's day", "prefiero en la mañana", None),
    ("one short name alone is a common word", "ma vie", None),
    ("one short name alone", "solo lun", None),
    ("nothing", "", None),
]


@pytest.mark.parametrize(
    ("text", "expected"), [case[1:] for case in DAYS], ids=[case[0] for case in DAYS]
)
def test_parse_weekdays(text: str, expected: str | None) -> None:
    assert parse_weekdays(text) == expected


# mask, language, shown
SHOWN = [
    (WEEKDAYS, "es", "de lunes a viernes"),
    (WEEKDAYS, "en", "Monday to Friday"),
    (WEEKDAYS, "fr", "du lundi au vendredi"),
    (WEEKDAYS, "ht", "lendi rive vandredi"),
    ("1010100", "es", "lunes, miércoles y viernes"),
    ("1010100", "ht", "lendi, mèkredi ak vandredi"),
    (WEEKEND, "en", "Saturday and Sunday"),
    ("0000001", "fr", "dimanche"),
]


@pytest.mark.parametrize(("mask", "language", "shown"), SHOWN)
def test_format_days(mask: str, language: str, shown: str) -> None:
    assert format_days(mask, language) == shown
