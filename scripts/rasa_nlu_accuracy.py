"""Measure how well the NLU model understands learners, per test set and language.

Run with the app's Python after training (scripts/rasa_train.py):
`.venv/bin/python scripts/rasa_nlu_accuracy.py` (all sets; `make test` adds
`--stories`). The sets (scripts/nlu_examples.py), one <lang>.yml per language:
``dev`` (nlu/tests/nlu_test/, the old held-out split cleaned of examples equal
to or one word from a training example; read and tuned on, so not a measure);
``independent``, ``optout`` and ``handoff`` (nlu/tests/<name>/), written from
the intent descriptions by someone who never saw the training data, measured
three times during the first round of NLU work and so development sets now;
``second-blind`` (nlu/tests/second_blind/), written the same way by a third
author per language and used to choose between models from its first run;
``fourth-blind`` (nlu/tests/fourth_blind/), French and Creole only, written
the same way by a fourth author on 2026-12-07 and a development set from its
first run;
and the final held-out sets ``final-general``, ``final-optout`` and
``final-handoff`` (nlu/tests/final/), written by a second author who saw
neither. Held-out texts are never printed or stored here, only counts, so that
nobody tunes the model on their errors.

Every text is parsed once, by one Rasa process that loads the model once (the
slow part) and parses exactly as the server does, FallbackClassifier included
(scripts/rasa_parse.py); ``rasa test nlu`` undoes the fallback and keeps only
the top intent, so a message sent to the menu in production would count as
understood. What the learner gets counts: a right intent turned into
``nlu_fallback`` is wrong; for ``out_of_scope`` the fallback is right (both run
action_fallback). Opt-outs count as the bot handles them: the opt-out reader
(bot/messaging/optout/) the worker applies before NLU, then NLU; both figures are
reported, with the other messages the reader would take for opt-outs.

A test example equal to a training example once case, accents, punctuation
and spaces are ignored is a leak. Held-out leaks are left out of the score and
counted (see nlu_examples.unseen); a leak or a near-duplicate (one word away)
in the dev split is an error (`--clean-dev` drops them).

Exits non-zero when a set falls below its floor (TEST_SETS: a few points
under what the current model measured; goals not yet met are printed, they do
not fail the build), when the dev split has a leak or a near-duplicate, or,
with --stories, when a conversation test in nlu/tests/test_stories.yml fails. Writes every figure to
nlu/results/accuracy.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

if __package__ in (None, ""):  # run as `python scripts/rasa_nlu_accuracy.py`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bot.messaging.optout import contradicts_stop, is_opt_out
from nlu.actions.way_out import reminded, told_the_way_out
from scripts.nlu_examples import (
    NLU,
    ROOT,
    TEST_SETS,
    TESTS,
    EvalSet,
    Example,
    TrainingIndex,
    clean_dev,
    leak_counts,
    leak_problems,
    set_examples,
    training_examples,
    unseen,
)

MODEL = NLU / "models" / "lessonbot.tar.gz"
STORIES = TESTS / "test_stories.yml"
RESULTS = NLU / "results"
RASA_BIN = ROOT / ".venv-rasa" / "bin"

# Intents that all end in action_fallback (the menu): one outcome for the learner.
MENU = frozenset({"out_of_scope", "nlu_fallback"})


def fallback_setting(name: str) -> float:
    """A FallbackClassifier setting in nlu/config.yml ("threshold", ...); 0 if there is none."""
    config = yaml.safe_load((NLU / "config.yml").read_text(encoding="utf-8"))
    for component in config.get("pipeline") or []:
        if component.get("name") == "FallbackClassifier":
            return float(component.get(name, 0.0))
    return 0.0


def fallback_threshold() -> float:
    """The FallbackClassifier threshold from nlu/config.yml (0 if there is none)."""
    return fallback_setting("threshold")


@dataclass
class Tally:
    examples: int = 0
    correct: int = 0

    @property
    def rate(self) -> float:
        return round(self.correct / self.examples, 4) if self.examples else 0.0

    def figures(self) -> dict[str, float | int]:
        return {"examples": self.examples, "correct": self.correct, "rate": self.rate}


@dataclass
class SetResult:
    languages: dict[str, Tally] = field(default_factory=dict)
    intents: dict[str, Tally] = field(default_factory=dict)
    # recall of each intent per language: {intent: {language: Tally}}
    intent_languages: dict[str, dict[str, Tally]] = field(default_factory=dict)
    confusions: Counter[str] = field(default_factory=Counter)
    entities: Tally = field(default_factory=Tally)
    errors: list[dict[str, object]] = field(default_factory=list)
    # The opt-out reader (bot/messaging/optout/), the safety net the worker applies
    # before NLU: opt-outs caught by the model or by it; other messages it
    # would take for an opt-out, and how many of those the model got right.
    stop_with_net: Tally = field(default_factory=Tally)
    net_false_alarms: int = 0
    net_overrides_right: int = 0
    # When neither stops the learner, the answer may still tell them how to
    # (nlu/actions/way_out.py): requests to stop honoured or told the way out;
    # and the reminder sent after messages that were not requests to stop.
    stop_or_way_out: Tally = field(default_factory=Tally)
    others: int = 0
    reminders_to_others: int = 0
    # NLU's stops the opt-out action declines (bot.messaging.optout.contradicts_stop):
    # requests to stop it declined (told the way out instead), and other messages.
    declined_stops: int = 0
    declined_others: int = 0


def outcome(parse: dict[str, Any]) -> str:
    """The intent the dialogue acts on (``nlu_fallback`` when the model is unsure)."""
    return str(parse["intent"]["name"])


def is_right(expected: str, predicted: str) -> bool:
    return predicted == expected or (expected in MENU and predicted in MENU)


def score(
    examples: list[Example],
    parses: dict[str, dict[str, Any]],
    keep_texts: bool,
    opt_out: Callable[[str], bool] = lambda text: False,
    way_out: Callable[[str, str], bool] = lambda text, intent: False,
    reminder: Callable[[str, str], bool] = lambda text, intent: False,
    declines: Callable[[str], bool] = lambda text: False,
) -> SetResult:
    """Tally each example against its parse: per language, per intent, confusions, entities.

    ``declines``: the opt-out action's check of NLU's stops (``contradicts_stop``);
    a declined stop is answered like the menu, with the way out.
    """
    result = SetResult()
    for example in examples:
        parse = parses[example.text]
        predicted = outcome(parse)
        net = opt_out(example.text)
        declined = not net and predicted == "stop" and declines(example.text)
        if declined:
            predicted = "nlu_fallback"
        right = is_right(example.intent, predicted)
        if example.intent == "stop":
            result.declined_stops += declined
            result.stop_with_net.examples += 1
            result.stop_with_net.correct += right or net
            result.stop_or_way_out.examples += 1
            result.stop_or_way_out.correct += (
                right or net or declined or way_out(example.text, predicted)
            )
        else:
            result.declined_others += declined
            result.others += 1
            result.reminders_to_others += not net and (
                declined or reminder(example.text, predicted)
            )
            if net:
                result.net_false_alarms += 1
                result.net_overrides_right += right
        for tally in (
            result.languages.setdefault(example.language, Tally()),
            result.intents.setdefault(example.intent, Tally()),
            result.intent_languages.setdefault(example.intent, {}).setdefault(
                example.language, Tally()
            ),
        ):
            tally.examples += 1
            tally.correct += right
        if not right:
            result.confusions[f"{example.intent} -> {predicted}"] += 1
            if keep_texts:
                result.errors.append(
                    {
                        "text": example.text,
                        "language": example.language,
                        "expected": example.intent,
                        "predicted": predicted,
                        "top": f"{parse['top']['name']} {parse['top']['confidence']}",
                    }
                )
        if example.entities:
            found = tuple(
                (e["entity"], parse["text"][e["start"] : e["end"]]) for e in parse["entities"]
            )
            result.entities.examples += 1
            result.entities.correct += sorted(found) == sorted(example.entities)
    return result


# --- Parsing with Rasa (scripts/rasa_parse.py, in Rasa's own environment) -------


def _rasa_env() -> dict[str, str]:
    # PYTHONPATH: the conversation tests run through rasa_runtime (below).
    return dict(
        os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(ROOT)
    )


def parse_with_rasa(texts: list[str], log: Path) -> dict[str, dict[str, Any]]:
    """Parse the texts in one Rasa process (one model load); map each text to its parse."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        texts_path, out_path = Path(tmp, "texts.json"), Path(tmp, "parses.json")
        texts_path.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        command = [str(RASA_BIN / "python"), str(Path(__file__).with_name("rasa_parse.py"))]
        command += [str(MODEL), str(texts_path), str(out_path)]
        with log.open("w", encoding="utf-8") as handle:
            # The command is built from this file's constants, never from input.
            code = subprocess.run(  # noqa: S603
                command, cwd=NLU, env=_rasa_env(), stdout=handle, stderr=subprocess.STDOUT
            ).returncode
        if code != 0 or not out_path.exists():
            raise RuntimeError(f"parsing with Rasa failed (exit {code}); see {log}")
        parses = json.loads(out_path.read_text(encoding="utf-8"))
    return {text: parse for text, parse in zip(texts, parses, strict=True)}


def run_stories() -> bool:
    """Run the conversation tests (`rasa test core`); True when all pass."""
    out = RESULTS / "core"
    out.mkdir(parents=True, exist_ok=True)
    # Rasa as it serves learners: its CLI through the checked patch (README:
    # Rasa runtime patch), so that a Rasa the server would refuse is not measured.
    command = [
        str(RASA_BIN / "python"),
        "-m",
        "rasa_runtime",
        "test",
        "core",
        "--model",
        str(MODEL),
    ]
    command += ["--stories", str(STORIES), "--out", str(out)]
    command += ["--fail-on-prediction-errors", "--no-plot"]
    with (out / "rasa_test_core.log").open("w", encoding="utf-8") as handle:
        # The command is built from this file's constants, never from input.
        return (
            subprocess.run(  # noqa: S603
                command, cwd=NLU, env=_rasa_env(), stdout=handle, stderr=subprocess.STDOUT
            ).returncode
            == 0
        )


# --- Report --------------------------------------------------------------------


def set_summary(test_set: EvalSet, result: SetResult, checks: dict[str, dict[str, int]]) -> dict:
    summary: dict[str, Any] = {
        "folder": str(test_set.folder.relative_to(ROOT)),
        "held_out": test_set.held_out,
        "languages": {lang: t.figures() for lang, t in sorted(result.languages.items())},
        "intent_recall": {
            intent: {
                **tally.figures(),
                "languages": {
                    lang: t.figures() for lang, t in sorted(result.intent_languages[intent].items())
                },
            }
            for intent, tally in sorted(result.intents.items())
        },
        "confusions": dict(result.confusions.most_common()),
        "entity_exact_match": result.entities.figures(),
        # Per language: examples equal to a training example (not scored) and
        # one word from one (scored).
        "leaks_and_near_duplicates": checks,
        "opt_out_reader": {
            "stop_recall_with_reader": result.stop_with_net.figures(),
            "false_alarms": result.net_false_alarms,
            "false_alarms_the_model_got_right": result.net_overrides_right,
            "nlu_stops_declined": {
                "requests_to_stop": result.declined_stops,
                "other_messages": result.declined_others,
            },
        },
        "way_out": {
            "stop_honoured_or_told_the_way_out": result.stop_or_way_out.figures(),
            "other_messages": result.others,
            "reminders_to_other_messages": result.reminders_to_others,
        },
    }
    if not test_set.held_out:
        summary["errors"] = result.errors
    return summary


def goals_missed(test_set: EvalSet, result: SetResult) -> list[str]:
    """The goals of ``test_set`` that ``result`` does not reach (reported)."""
    return _below(test_set.name, result, test_set.accuracy_goal, test_set.recall_goal)


def floors_broken(test_set: EvalSet, result: SetResult) -> list[str]:
    """The floors of ``test_set`` that ``result`` falls under (these fail the build)."""
    return _below(test_set.name, result, test_set.accuracy_floor, test_set.recall_floor)


def _below(
    name: str, result: SetResult, accuracy: float | None, recall: tuple[str, float] | None
) -> list[str]:
    missed = []
    if accuracy is not None:
        for language, tally in sorted(result.languages.items()):
            if tally.rate < accuracy:
                missed.append(f"{name} {language}: accuracy {tally.rate:.3f} < {accuracy}")
    if recall is not None:
        intent, minimum = recall
        # Opt-outs count as the bot handles them: NLU, and before it the
        # opt-out reader (bot/messaging/optout/) applied at ingestion.
        tally = result.stop_with_net if intent == "stop" else result.intents.get(intent, Tally())
        if tally.rate < minimum:
            missed.append(f"{name}: {intent} recall {tally.rate:.3f} < {minimum}")
    return missed


def print_set(
    test_set: EvalSet, result: SetResult, checks: dict[str, dict[str, int]], show_errors: bool
) -> None:
    label = "held out" if test_set.held_out else "development"
    print(f"{test_set.name} ({test_set.folder.relative_to(ROOT)}, {label}):")
    left_out = ", ".join(f"{lang} {c['leaks']}" for lang, c in sorted(checks.items()) if c["leaks"])
    if left_out:
        print(f"  left out, equal to a training example: {left_out}")
    for language, tally in sorted(result.languages.items()):
        print(f"  {language}: {tally.rate:.3f} ({tally.correct}/{tally.examples})")
    if test_set.recall_goal is not None:
        intent, goal = test_set.recall_goal
        tally = result.intents.get(intent, Tally())
        per_language = ", ".join(
            f"{lang} {t.rate:.3f}"
            for lang, t in sorted(result.intent_languages.get(intent, {}).items())
        )
        print(f"  {intent} recall, model: {tally.rate:.3f} ({per_language})")
        if intent == "stop":
            with_net = result.stop_with_net.rate
            print(f"  stop recall, model and opt-out reader: {with_net:.3f} (goal {goal})")
            told = result.stop_or_way_out
            print(
                f"  honoured or told the way out: {told.rate:.3f} ({told.correct}/{told.examples})"
            )
        else:
            print(f"  (goal {goal})")
    if result.net_false_alarms:
        print(
            f"  opt-out reader takes {result.net_false_alarms} other messages for opt-outs "
            f"({result.net_overrides_right} of them understood by the model)"
        )
    if result.declined_stops or result.declined_others:
        print(
            f"  NLU's stop declined by the opt-out action: {result.declined_others} messages "
            f"that were not requests to stop, {result.declined_stops} that were"
        )
    if result.reminders_to_others:
        print(
            f"  the way out reminded after {result.reminders_to_others} of "
            f"{result.others} messages that were not requests to stop"
        )
    weak = [f"{i} {t.rate:.2f}" for i, t in sorted(result.intents.items()) if t.rate < 1.0]
    if weak:
        print("  intent recall below 1: " + ", ".join(weak))
    if result.confusions:
        print("  confusions: " + ", ".join(f"{k} ({n})" for k, n in result.confusions.items()))
    if show_errors and not test_set.held_out:
        for error in result.errors:
            print(
                f"    {error['language']} {error['text']!r}: expected {error['expected']}, "
                f"got {error['predicted']} (best guess {error['top']})"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sets",
        default=",".join(s.name for s in TEST_SETS),
        help="comma-separated test sets to run (default: all); tune with --sets dev only",
    )
    parser.add_argument(
        "--show-errors", action="store_true", help="print each wrong dev example (never held out)"
    )
    parser.add_argument("--stories", action="store_true", help="also run rasa test core")
    parser.add_argument(
        "--clean-dev",
        action="store_true",
        help="drop dev examples equal to or one word from a training example, then exit",
    )
    args = parser.parse_args(argv)

    index = TrainingIndex(training_examples())
    if args.clean_dev:
        for language, tally in clean_dev(index).items():
            print(
                f"dev {language}: dropped {tally['leaks']} equal to a training example, "
                f"{tally['near_duplicates']} one word from one"
            )
        return 0

    by_name = {s.name: s for s in TEST_SETS}
    unknown = [name for name in args.sets.split(",") if name not in by_name]
    if unknown:
        parser.error(f"unknown test set(s): {', '.join(unknown)}")
    sets = [by_name[name] for name in args.sets.split(",")]
    if not MODEL.exists():
        print(f"rasa_nlu_accuracy: no model at {MODEL}; run scripts/rasa_train.py", file=sys.stderr)
        return 2

    # Leaks first: a set that overlaps the training data measures nothing.
    checks = leak_counts(sets, index)
    problems = leak_problems(checks)
    for problem in problems:
        print(f"rasa_nlu_accuracy: {problem}", file=sys.stderr)
    if problems:
        return 1

    started = time.monotonic()
    # Held-out examples equal to training ones are left out: see unseen().
    examples = {s.name: unseen(set_examples(s), index) for s in sets}
    texts = sorted({e.text for group in examples.values() for e in group})
    parses = parse_with_rasa(texts, RESULTS / "parse.log")
    summary: dict[str, Any] = {
        "model": str(MODEL.relative_to(ROOT)),
        "fallback_threshold": fallback_threshold(),
        "goals": {
            s.name: {"accuracy_per_language": s.accuracy_goal, "recall": s.recall_goal}
            for s in sets
        },
        "floors": {
            s.name: {"accuracy_per_language": s.accuracy_floor, "recall": s.recall_floor}
            for s in sets
        },
        "sets": {},
    }
    missed, broken = [], []
    for test_set in sets:
        result = score(
            examples[test_set.name],
            parses,
            keep_texts=not test_set.held_out,
            opt_out=is_opt_out,
            way_out=told_the_way_out,
            reminder=reminded,
            declines=contradicts_stop,
        )
        print_set(test_set, result, checks[test_set.name], args.show_errors)
        summary["sets"][test_set.name] = set_summary(test_set, result, checks[test_set.name])
        missed += goals_missed(test_set, result)
        broken += floors_broken(test_set, result)

    if args.stories:
        stories_ok = run_stories()
        summary["conversation_tests_pass"] = stories_ok
        print(f"conversation tests: {'all pass' if stories_ok else 'FAILED'} ({RESULTS / 'core'})")
        if not stories_ok:
            broken.append("conversation tests failed")
    summary["goals_missed"] = missed
    summary["floors_broken"] = broken
    summary["seconds"] = round(time.monotonic() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "accuracy.json"
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"rasa_nlu_accuracy: wrote {path.relative_to(ROOT)} in {summary['seconds']} s")
    for goal in missed:
        print(f"rasa_nlu_accuracy: goal not met (reported, not gating): {goal}")
    for floor in broken:
        print(f"rasa_nlu_accuracy: FAILED, below its floor: {floor}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
