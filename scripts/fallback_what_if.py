"""What other FallbackClassifier thresholds would change, on the development sets only.

Run with the app's Python after training (scripts/rasa_train.py):
`.venv/bin/python scripts/fallback_what_if.py [--thresholds 0.6,0.5,0.4]`.

The threshold does not change DIET: the FallbackClassifier only relabels a
parse as ``nlu_fallback`` (the menu) when DIET's best intent is below the
threshold or less than the ambiguity threshold ahead of the second. So one
parse of each text (``scripts/rasa_parse.py``, with DIET's ranking) shows what
any threshold would do, without training a model per threshold. The first
threshold listed should be the model's own: its line must equal
``scripts/rasa_nlu_accuracy.py``'s figures (``relabelled differently`` 0).

For each threshold it prints the right answers over the development sets
(the sets ``scripts/rasa_nlu_accuracy.py`` reports, held-out ones left out:
their texts are never parsed here, so nobody chooses a threshold on them),
how many messages of other intents would newly be acted on as a stop, an
erasure or another change of state, the opt-out recall with the reader, and
the opt-out guards' development set end to end
(``scripts/optout_end_to_end.py``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python scripts/fallback_what_if.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bot.messaging.optout import contradicts_stop, is_opt_out
from nlu.actions.way_out import reminded, told_the_way_out
from scripts.nlu_examples import (
    TEST_SETS,
    Example,
    TrainingIndex,
    set_examples,
    training_examples,
    unseen,
)
from scripts.optout_end_to_end import GUARD_SETS, NEAR_MISS_LISTS, fate, texts_in
from scripts.rasa_nlu_accuracy import (
    RESULTS,
    fallback_setting,
    fallback_threshold,
    parse_with_rasa,
    score,
)

FALLBACK = "nlu_fallback"
# Acting on these for a message that meant something else costs the learner
# the most: the messages end, or their data is gone after the confirmation.
GRAVE = frozenset({"stop", "delete_data"})
# These change the learner's schedule, language or state (each can be undone).
CHANGES_STATE = frozenset(
    {"pause", "resume", "start", "change_language", "change_time", "change_timezone"}
)


def relabel(ranking: Sequence[Sequence[Any]], threshold: float, ambiguity: float) -> str:
    """The intent acted on, as Rasa's FallbackClassifier decides it from DIET's ranking."""
    if not ranking:
        return FALLBACK
    (best, confidence), second = ranking[0], (ranking[1][1] if len(ranking) > 1 else 0.0)
    if confidence < threshold or confidence - second < ambiguity:
        return FALLBACK
    return str(best)


def as_parse(parse: dict[str, Any], intent: str) -> dict[str, Any]:
    return {**parse, "intent": {"name": intent, "confidence": parse["intent"]["confidence"]}}


def newly_acted_on(
    examples: list[Example], now: dict[str, str], then: dict[str, str], intents: frozenset[str]
) -> int:
    """Messages of other intents that would newly be acted on as one of ``intents``."""
    return sum(
        1
        for example in examples
        if now[example.text] in intents
        and now[example.text] != then[example.text]
        and now[example.text] != example.intent
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", default=f"{fallback_threshold()},0.5,0.4")
    args = parser.parse_args(argv)
    thresholds = [float(value) for value in args.thresholds.split(",")]
    ambiguity = fallback_setting("ambiguity_threshold")  # nlu/config.yml's, kept

    index = TrainingIndex(training_examples())
    sets = {s.name: unseen(set_examples(s), index) for s in TEST_SETS if not s.held_out}
    folder, held_out = GUARD_SETS["development"]
    assert not held_out
    requests, near = texts_in(folder, ("stop",)), texts_in(folder, NEAR_MISS_LISTS)
    texts = sorted({e.text for group in sets.values() for e in group} | set(requests + near))
    parses = parse_with_rasa(texts, RESULTS / "fallback_what_if.log")
    served = {text: str(parse["intent"]["name"]) for text, parse in parses.items()}

    print(f"development sets: {', '.join(sets)}; the opt-out guards' development set")
    for threshold in thresholds:
        acted = {t: relabel(p["ranking"], threshold, ambiguity) for t, p in parses.items()}
        moved = {text: as_parse(parse, acted[text]) for text, parse in parses.items()}
        right, recall = 0, []
        grave = state = 0
        for name, examples in sets.items():
            result = score(
                examples,
                moved,
                keep_texts=True,
                opt_out=is_opt_out,
                way_out=told_the_way_out,
                reminder=reminded,
                declines=contradicts_stop,
            )
            right += sum(tally.correct for tally in result.languages.values())
            if result.stop_with_net.examples:
                stops = result.stop_with_net
                recall.append(f"{name} {stops.correct}/{stops.examples}")
            grave += newly_acted_on(examples, acted, served, GRAVE)
            state += newly_acted_on(examples, acted, served, CHANGES_STATE)
        honoured = [fate(text, acted[text]) for text in requests]
        near_fates = [fate(text, acted[text]) for text in near]
        print(
            f"threshold {threshold}: {right} right over the development sets"
            f" (relabelled differently from the model's own: "
            f"{sum(acted[t] != served[t] for t in texts)} texts);"
            f" newly a stop or an erasure: {grave}; newly another change of state: {state};"
            f" opt-out recall with the reader: {', '.join(recall)};"
            f" guards: honoured {sum(f.stopped for f in honoured)},"
            f" honoured or told {sum(f.stopped or f.told for f in honoured)} of {len(requests)},"
            f" near misses opted out {sum(f.stopped for f in near_fates)} of {len(near)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
