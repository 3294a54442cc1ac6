"""scripts/optout_end_to_end.py: what a learner gets for a message (reader, NLU, the action)."""

from __future__ import annotations

import pytest

from scripts.optout_end_to_end import GUARD_SETS, NEAR_MISS_LISTS, Fate, fate, texts_in


@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        # The worker's check reads it before NLU: stopped whatever the model says.
        ("STOP", "greet", Fate(stopped=True, told=False, model_reads_stop=False)),
        # The reader leaves it to NLU; NLU reads stop and the action does not decline.
        (
            "Please unsubscribe me, I moved to Chile last month",
            "stop",
            Fate(stopped=True, told=False, model_reads_stop=True),
        ),
        # The same request misread as a new time zone: not stopped, but it asks
        # outright, so the answer ends with the way out.
        (
            "Please unsubscribe me, I moved to Chile last month",
            "change_timezone",
            Fate(stopped=False, told=True, model_reads_stop=False),
        ),
        # Misread, with no words of stopping the way out looks for: neither.
        (
            "I thought this was a scam. remove my number",
            "greet",
            Fate(stopped=False, told=False, model_reads_stop=False),
        ),
        # NLU's stop declined by the action: told the way out instead.
        (
            "please don't message me on Sundays",
            "stop",
            Fate(stopped=False, told=True, model_reads_stop=True),
        ),
        # Not stopped, but the answer ends with the way out.
        (
            "can you stop the lesson for a week?",
            "pause",
            Fate(stopped=False, told=True, model_reads_stop=False),
        ),
        ("hola, cómo están?", "greet", Fate(stopped=False, told=False, model_reads_stop=False)),
    ],
)
def test_fate_follows_the_worker_then_nlu_then_the_action(
    text: str, intent: str, expected: Fate
) -> None:
    assert fate(text, intent) == expected


def test_the_guard_sets_are_read_whole() -> None:
    development, _ = GUARD_SETS["development"]
    held_out, _ = GUARD_SETS["held-out"]
    assert len(texts_in(development, ("stop",))) == 660
    assert len(texts_in(development, NEAR_MISS_LISTS)) == 400
    assert len(texts_in(held_out, ("stop",))) == 160
    assert len(texts_in(held_out, NEAR_MISS_LISTS)) == 120
