"""The opt-out guard sets end to end: the reader, then the model, then the action's check.

Run with the app's Python after training (scripts/rasa_train.py):
`.venv/bin/python scripts/optout_end_to_end.py`. It prints, for the guards'
development set (tests/messaging/optout_guards/, four authors, tuned on) and
their held-out set (tests/messaging/optout_guards_heldout/, a fifth author's,
never tuned on), what a learner who wrote each message would get:

- a request to stop is **honoured** when the worker's check reads it
  (``asks_to_stop``: the STOP keywords and the opt-out reader, before NLU), or
  when the model reads it as ``stop`` and the opt-out action does not decline
  it (``contradicts_stop``); it is **told the way out** when it is not
  honoured but the answer ends with "If you want no more messages, write
  STOP." (a declined stop, or ``told_the_way_out``);
- a near miss (a message that brushes against stopping but asks for something
  else) is **opted out** under the same rule as a request is honoured, and
  told the way out as a request is (a line it did not need).

It also prints what the model alone reads as ``stop``. The held-out set's
texts are never printed, only counts (as in scripts/rasa_nlu_accuracy.py), so
that nobody tunes on its errors; ``--errors`` prints the development set's.
These are the README's end-to-end figures (Understanding: the opt-out guards).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

if __package__ in (None, ""):  # run as `python scripts/optout_end_to_end.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bot.messaging.keywords import asks_to_stop
from bot.messaging.optout import contradicts_stop
from nlu.actions.way_out import told_the_way_out
from scripts.nlu_examples import ROOT
from scripts.rasa_nlu_accuracy import RESULTS, outcome, parse_with_rasa

GUARD_SETS = {
    "development": (ROOT / "tests" / "messaging" / "optout_guards", False),
    "held-out": (ROOT / "tests" / "messaging" / "optout_guards_heldout", True),
}
# The near misses' lists: those the action's guards decline and those they leave
# to NLU's own intent (a pause, another time of day); the reader takes neither.
NEAR_MISS_LISTS = ("not_stop", "not_stop_nlu")


@dataclass(frozen=True)
class Fate:
    """What a learner gets for one message."""

    stopped: bool  # their messages end
    told: bool  # not stopped, but the answer names the way out
    model_reads_stop: bool


def fate(text: str, intent: str) -> Fate:
    """The reader first (as the worker), then NLU's intent and the action's check."""
    if asks_to_stop(text):
        return Fate(stopped=True, told=False, model_reads_stop=intent == "stop")
    declined = intent == "stop" and contradicts_stop(text)
    stopped = intent == "stop" and not declined
    told = not stopped and (declined or told_the_way_out(text, intent))
    return Fate(stopped=stopped, told=told, model_reads_stop=intent == "stop")


def texts_in(folder: Path, lists: tuple[str, ...]) -> list[str]:
    return [
        str(text)
        for path in sorted(folder.glob("*.yml"))
        for name in lists
        for text in yaml.safe_load(path.read_text(encoding="utf-8")).get(name) or []
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--errors", action="store_true", help="print the development set's wrong outcomes"
    )
    args = parser.parse_args(argv)
    sets = {
        name: (texts_in(folder, ("stop",)), texts_in(folder, NEAR_MISS_LISTS), held_out)
        for name, (folder, held_out) in GUARD_SETS.items()
    }
    every_text = sorted({t for requests, near, _ in sets.values() for t in requests + near})
    parses = parse_with_rasa(every_text, RESULTS / "optout_end_to_end.log")
    for name, (requests, near_misses, held_out) in sets.items():
        asked = [(t, fate(t, outcome(parses[t]))) for t in requests]
        near = [(t, fate(t, outcome(parses[t]))) for t in near_misses]
        honoured = sum(f.stopped for _, f in asked)
        told = sum(f.stopped or f.told for _, f in asked)
        opted_out = sum(f.stopped for _, f in near)
        print(f"{name} ({len(requests)} requests to stop, {len(near)} near misses)")
        print(f"  requests honoured: {honoured} of {len(requests)}")
        print(f"  requests honoured or told the way out: {told} of {len(requests)}")
        print(f"  near misses opted out: {opted_out} of {len(near)}")
        print(
            "  near misses told the way out (not needed, one line): "
            f"{sum(f.told for _, f in near)} of {len(near)}"
        )
        print(
            "  the model alone reads as stop: "
            f"{sum(f.model_reads_stop for _, f in asked)} requests, "
            f"{sum(f.model_reads_stop for _, f in near)} near misses"
        )
        if args.errors and not held_out:
            for text, f in asked:
                if not f.stopped:
                    print(f"    not honoured{' (told)' if f.told else ''}: {text}")
            for text, f in near:
                if f.stopped:
                    print(f"    opted out: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
