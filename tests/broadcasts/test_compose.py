"""Bad input is refused with an error naming its field; variables and fallbacks fill in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.broadcasts.compose import (
    MAX_LENGTH,
    Draft,
    clean_text,
    first_name,
    validate,
    validate_send_at,
)
from tests.broadcasts.builders import NOW

LANGUAGES = ("es", "en", "fr", "ht")
EVERYONE = {"es": 10, "en": 5}


def draft(**changes: object) -> Draft:
    values: dict[str, object] = {
        "base_language": "es",
        "texts": {"es": "Hola", "en": "Hello"},
        "fallback_language": None,
    }
    values.update(changes)
    return Draft(**values)  # type: ignore[arg-type]


def fields(errors: list) -> list[str]:  # type: ignore[type-arg]
    return [error.field for error in errors]


def test_a_complete_broadcast_has_no_errors():
    assert validate(draft(), EVERYONE, LANGUAGES) == []


@pytest.mark.parametrize(
    ("case", "changes", "recipients", "field", "words"),
    [
        ("empty message", {"texts": {"en": "Hello"}}, EVERYONE, "text_es", "empty"),
        (
            "over 1,600 characters",
            {"texts": {"es": "a" * (MAX_LENGTH + 1), "en": "Hello"}},
            EVERYONE,
            "text_es",
            "1601 characters",
        ),
        (
            "a variable nobody fills",
            {"texts": {"es": "Hola {nombre}", "en": "Hello"}},
            EVERYONE,
            "text_es",
            "{nombre}",
        ),
        (
            "{first_name} without a value for unknown names",
            {"texts": {"es": "Hola {first_name}", "en": "Hello"}},
            EVERYONE,
            "name_fallback_es",
            "{first_name}",
        ),
        (
            "a language with recipients and no text",
            {},
            {"es": 10, "fr": 3},
            "text_fr",
            "3 recipients",
        ),
        (
            "a fallback language with no text",
            {"fallback_language": "ht"},
            EVERYONE,
            "fallback_language",
            "Haitian",
        ),
        ("a segment with no recipients", {}, {}, "audience", "No learner"),
    ],
)
def test_each_bad_input_names_its_field(case, changes, recipients, field, words):
    errors = validate(draft(**changes), recipients, LANGUAGES)
    assert field in fields(errors), case
    message = next(error.message for error in errors if error.field == field)
    assert words in message, message


def test_a_scheduled_time_in_the_past_names_send_at():
    (error,) = validate_send_at(NOW - timedelta(minutes=1), NOW)
    assert error.field == "send_at" and "passed" in error.message
    assert validate_send_at(NOW + timedelta(minutes=1), NOW) == []
    assert validate_send_at(None, NOW) == []  # now


def test_the_longest_name_counts_towards_the_limit():
    text = "x" * (MAX_LENGTH - 12) + "{first_name}"  # 1,600 as written
    errors = validate(
        draft(texts={"es": text}, name_fallbacks={"es": "amiga"}), {"es": 1}, LANGUAGES
    )
    assert fields(errors) == ["text_es"]


def test_a_missing_translation_falls_back_when_asked():
    chosen = draft(fallback_language="es")
    assert validate(chosen, {"es": 10, "fr": 3}, LANGUAGES) == []
    assert chosen.text_language("fr", "es") == "es"
    assert chosen.text_language("en", "es") == "en"
    assert chosen.text_language(None, "es") == "es"  # no language: the default
    assert draft().text_language("fr", "es") is None  # blocked


def test_first_name_fills_in_or_the_fallback_does():
    chosen = draft(texts={"es": "Hola {first_name}, ¿vienes?"}, name_fallbacks={"es": "amiga"})
    assert chosen.message_for("es", first_name("  Ana María López ")) == "Hola Ana, ¿vienes?"
    assert chosen.message_for("es", first_name(None)) == "Hola amiga, ¿vienes?"
    assert chosen.message_for("es", first_name("\x07 ")) == "Hola amiga, ¿vienes?"
    assert first_name("Maximilianoooooooooooooo") == "Maximilianoooooooooo"  # 20 at most


def test_typed_text_is_cleaned():
    assert clean_text("  Hola\r\nequipo   \r\n") == "Hola\nequipo"
    assert clean_text("Cafe\u0301") == "Café"  # one character, not two
