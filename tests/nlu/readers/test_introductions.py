"""nlu/actions/readers/introductions.py: a name alone is not a request for a person."""

from __future__ import annotations

import pytest

from nlu.actions.readers.introductions import introduces_themselves
from scripts import nlu_examples


@pytest.mark.parametrize(
    "text",
    [
        "me llamo Zoraida Quintero",
        "Hola, me llamo Mariela",
        "buenas tardes, mi nombre es Yolimar",
        "my name is Grace",
        "je m'appelle Mireille",
        "bonjour, mon nom est Fabiola",
        "mwen rele Jameson",
        "m rele Rose",
    ],
)
def test_a_name_alone_is_an_introduction(text: str) -> None:
    assert introduces_themselves(text)


@pytest.mark.parametrize(
    "text",
    [
        "me llamo Ana, quiero hablar con una persona",
        "my name is John, can someone call me",
        "je m'appelle Marc, je veux parler à quelqu'un",
        "mwen rele Jameson, m vle pale ak yon moun",
        "llámenme por favor",
        "call me please",
        "quiero hablar con alguien",
        "hola",
    ],
)
def test_a_request_for_someone_or_no_name_is_not(text: str) -> None:
    assert not introduces_themselves(text)


def test_no_request_for_a_person_in_the_data_is_taken_for_an_introduction() -> None:
    development = [s for s in nlu_examples.TEST_SETS if not s.held_out]
    examples = nlu_examples.training_examples() + [
        e for s in development for e in nlu_examples.set_examples(s)
    ]
    taken = [e.text for e in examples if e.intent == "ask_human" and introduces_themselves(e.text)]
    assert taken == []
