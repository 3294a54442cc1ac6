"""What the worker sends to Rasa: fast paths for unambiguous input, no intent injection."""

from __future__ import annotations

import pytest

from bot.messaging.keywords import (
    HANDOFF_MESSAGE,
    NOTHING_TO_UNDERSTAND,
    fast_path,
    handoff_text,
    rasa_text,
)


@pytest.mark.parametrize(
    ("typed", "sent"),
    [
        ("2", '/choose_option{"option":"2"}'),
        ("10", '/choose_option{"option":"10"}'),  # a WhatsApp list's tenth item
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
        ("PERSONA", "/ask_human"),
        ("Agente", "/ask_human"),
        ("humano", "/ask_human"),
        ("HUMAN", "/ask_human"),
        ("person!", "/ask_human"),
        ("humain", "/ask_human"),
        ("Moun", "/ask_human"),
        ("BORRAR", "/delete_data"),
        ("delete", "/delete_data"),
        ("Supprimer", "/delete_data"),
        ("EFASE", "/delete_data"),
    ],
)
def test_unambiguous_input_skips_nlu(typed: str, sent: str):
    assert fast_path(typed) == sent
    assert rasa_text(typed) == sent


@pytest.mark.parametrize(
    "typed",
    [
        "0",
        "11",
        "e",
        "2 y 3",
        "la b",
        "opción 2",
        "dos",
        "ZONA Colombia",
        "stop for a week",
        "personne",  # French "nobody" as well as "person": left to NLU
        "hablar con una persona",
        "borrar mis datos",
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


@pytest.mark.parametrize(
    ("typed", "quiz_pending", "answers_erasure", "sent"),
    [
        ("una pregunta para el equipo", False, False, HANDOFF_MESSAGE),
        ("MENU", False, False, HANDOFF_MESSAGE),
        ("PERSONA", False, False, HANDOFF_MESSAGE),
        ("/stop", False, False, "/stop"),  # the keyword, typed with a slash
        ("BAJA", False, False, "/stop"),
        ("stop please", False, False, "/stop"),
        ("START", False, False, "/start"),
        ("BORRAR", False, False, "/delete_data"),
        ("borrar mis datos", False, False, HANDOFF_MESSAGE),  # only the keyword, at once
        ("si", False, True, "si"),  # the answer to "Erase all your data?"
        ("1", False, True, '/choose_option{"option":"1"}'),
        ("2", False, False, HANDOFF_MESSAGE),
        ("2", True, False, '/choose_option{"option":"2"}'),
        ("dos", True, False, HANDOFF_MESSAGE),
        (None, False, False, HANDOFF_MESSAGE),
    ],
)
def test_during_a_hand_off_only_account_keywords_reach_the_bot(
    typed: str | None, quiz_pending: bool, answers_erasure: bool, sent: str
):
    assert handoff_text(typed, quiz_pending=quiz_pending, answers_erasure=answers_erasure) == sent
