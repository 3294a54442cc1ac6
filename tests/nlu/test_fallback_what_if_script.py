"""scripts/fallback_what_if.py: Rasa's FallbackClassifier rule replayed on DIET's ranking."""

from __future__ import annotations

import pytest

from scripts.fallback_what_if import (
    FALLBACK,
    GRAVE,
    newly_acted_on,
    relabel,
)
from scripts.nlu_examples import Example
from scripts.rasa_nlu_accuracy import fallback_setting

RANKING = [["pause", 0.55], ["stop", 0.30], ["greet", 0.15]]


@pytest.mark.parametrize(
    ("ranking", "threshold", "expected"),
    [
        (RANKING, 0.6, FALLBACK),  # below the threshold: the menu
        (RANKING, 0.5, "pause"),  # above a lower one, well ahead of the second
        (RANKING, 0.55, "pause"),  # at the threshold: acted on, as Rasa does (strictly below)
        ([["pause", 0.52], ["resume", 0.45]], 0.5, FALLBACK),  # ahead by less than 0.1
        ([["pause", 0.9]], 0.6, "pause"),  # no second intent
        ([], 0.6, FALLBACK),
    ],
)
def test_relabel_applies_the_threshold_and_the_ambiguity_as_rasa(
    ranking: list[list[object]], threshold: float, expected: str
) -> None:
    assert relabel(ranking, threshold, ambiguity=0.1) == expected


def test_only_other_intents_newly_acted_on_count() -> None:
    examples = [
        Example("para ya", "stop", "es"),  # a stop newly read as stop: right, not counted
        Example("quiero una pausa", "pause", "es"),  # newly a stop: counted
        Example("hola", "greet", "es"),  # a stop before as well: not new
        Example("gracias", "thanks", "es"),  # newly thanks: not grave
    ]
    then = {"para ya": FALLBACK, "quiero una pausa": FALLBACK, "hola": "stop", "gracias": FALLBACK}
    now = {"para ya": "stop", "quiero una pausa": "stop", "hola": "stop", "gracias": "thanks"}

    assert newly_acted_on(examples, now, then, GRAVE) == 1


def test_the_ambiguity_threshold_is_read_from_the_config() -> None:
    assert fallback_setting("ambiguity_threshold") == 0.1  # nlu/config.yml
