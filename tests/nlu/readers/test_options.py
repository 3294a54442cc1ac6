"""Which option a learner chose, however they wrote it; yes/no; a language by name."""

from __future__ import annotations

import pytest

from nlu.actions.readers.options import parse_language, parse_option, parse_yes_no


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", 2), (" 3 ", 3), ("2)", 2), ("2.", 2), ("#2", 2), ("2️⃣", 2),
        ("b", 2), ("B", 2), ("la b", 2), ("B)", 2), ("opción b", 2), ("letra c", 3),
        ("a", 1), ("opción a", 1), ("a la b", 2),
        ("opción 2", 2), ("opcion 2", 2), ("Opción número 2", 2), ("option 4", 4),
        ("opsyon 3", 3), ("nimewo 1", 1), ("la respuesta es la b", 2), ("c'est la c", 3),
        ("dos", 2), ("DOS", 2), ("uno", 1), ("tres", 3), ("cuatro", 4),
        ("deux", 2), ("un", 1), ("trois", 3), ("quatre", 4),
        ("de", 2), ("en", 1), ("youn", 1), ("twa", 3), ("kat", 4),
        ("two", 2), ("the second", 2), ("the first one", None), ("the first", 1),
        ("la segunda", 2), ("segunda opción", 2), ("la deuxième", 2), ("dezyèm nan", 2),
        ("2nd", 2), ("2da", 2), ("3e", 3), ("1er", 1),
    ],
)  # fmt: skip
def test_options_are_read(text, expected):
    assert parse_option(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "", "   ", None, "5", "0", "e", "22", "2 y 3", "1 o 2", "tengo 2 hijos", "no", "la",
        "quiero la de arriba", "hola", "👍",
    ],
)  # fmt: skip
def test_what_names_no_single_option_is_none(text):
    assert parse_option(text) is None


def test_options_beyond_the_question_are_refused():
    assert parse_option("3", max_options=2) is None
    assert parse_option("c", max_options=2) is None
    assert parse_option("2", max_options=2) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("si", True), ("Sí", True), ("SI ACEPTO", True), ("yes", True), ("ok", True),
        ("oui", True), ("d'accord", True), ("wi", True), ("mwen dakò", True), ("1", True),
        ("de acuerdo", True), ("no", False), ("No gracias", False), ("non", False),
        ("mwen pa dakò", False), ("2", False), ("de", False), ("hola", None), ("", None),
        ("si no", None), ("quizas", None),
    ],
)  # fmt: skip
def test_yes_and_no(text, expected):
    assert parse_yes_no(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Español", "es"), ("espanol", "es"), ("inglés", "en"), ("English please", "en"),
        ("FRANCAIS", "fr"), ("français", "fr"), ("Kreyòl", "ht"), ("creole", "ht"),
        ("criollo", "ht"), ("1", "es"), ("2", "en"), ("3", "fr"), ("4", "ht"),
        ("5", None), ("hola", None),
    ],
)  # fmt: skip
def test_language_by_name_or_number(text, expected):
    assert parse_language(text) == expected
