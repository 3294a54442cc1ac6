"""What the worker sends to Rasa: fast paths for unambiguous input, no intent injection."""

from __future__ import annotations

import pytest

from bot.messaging.keywords import NOTHING_TO_UNDERSTAND, fast_path, rasa_text


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("2", '/choose_option{"option":"2"}'),
        (" 4 ", '/choose_option{"option":"4"}'),
        ("b", '/choose_option{"option":"2"}'),
        ("D)", '/choose_option{"option":"4"}'),
        ("1.", '/choose_option{"option":"1"}'),
        ("8", '/choose_option{"option":"8"}'),  # the time zone menu has eight countries
        ("STOP", "/stop"),
        ("Baja", "/stop"),
        ("arrêt", "/stop"),
        ("ARRET!", "/stop"),
        ("unsubscribe", "/stop"),
        ("ALTA", "/start"),
        ("start", "/start"),
        ("Siguiente", "/next_lesson"),
        ("pwochen", "/next_lesson"),
        ("MENU", "/help"),
        ("Èd", "/help"),
        ("aide", "/help"),
        ("ZONA", "/change_timezone"),
        ("Zòn", "/change_timezone"),
        ("zone.", "/change_timezone"),
    ],
)
def test_unambiguous_input_skips_nlu(typed: str, sent: str):
    assert fast_path(typed) == sent
    assert rasa_text(typed) == sent


@pytest.mark.parametrize(
    "typed",
    [
        "0",
        "10",
        "e",
        "2 y 3",
        "la b",
        "opción 2",
        "dos",
        "ZONA Colombia",
        "stop for a week",
        "😀🙏",
        "?!…",
    ],
)
def test_anything_else_goes_through_nlu(typed: str):
    assert fast_path(typed) is None
    assert rasa_text(typed) == typed


@pytest.mark.parametrize(
    "typed", ["stop please", "ya no quiero mensajes", "Arrêt SVP", "sispann voye mesaj"]
)
def test_a_request_to_stop_in_any_words_goes_to_rasa_as_stop(typed: str):
    """The learner is opted out as the message is stored: Rasa must confirm it, not guess."""
    assert rasa_text(typed) == "/stop"


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("/delete_data", "delete_data"),
        ('//greet{"language":"en"}', 'greet{"language":"en"}'),
        ("  / /restart", "restart"),
        ("/stop", "/stop"),  # the keyword itself, not an injection
    ],
)
def test_learner_cannot_inject_an_intent(typed: str, sent: str):
    assert rasa_text(typed) == sent


@pytest.mark.parametrize("body", [None, "", "   ", "///"])
def test_nothing_to_understand_goes_to_the_fallback(body: str | None):
    assert rasa_text(body) == NOTHING_TO_UNDERSTAND
