"""Measure how well the NLU model understands learners, per test set and language.

Run with the app's Python after the model is trained (scripts/rasa_train.py):
`.venv/bin/python scripts/rasa_nlu_accuracy.py` (all sets; `make test` adds
`--stories`). The test sets, one <lang>.yml per language in each folder:

- ``dev`` (nlu/tests/nlu_test/): the old held-out split, cleaned of examples
  equal to or one word away from a training example. The NLU engineer reads it
  and tunes on it, so it is a development set, not a measure.
- ``independent`` (nlu/tests/independent/): every intent, written from the
  intent descriptions alone by someone who never saw the training data.
- ``optout`` (nlu/tests/optout/): only ``stop``, written the same way.
- ``handoff`` (nlu/tests/handoff/): only ``ask_human``, written the same way.

The three independent sets are held out: this script never prints or stores
their texts (only counts), so that nobody tunes the model on their errors.

Every text is parsed once, by one Rasa process that loads the model once (the
slow part, about 50 s) and parses exactly as the server does, FallbackClassifier
included. ``rasa test nlu`` is not used because it undoes the fallback and
keeps only the top intent, so a message that the ambiguity threshold sends to
the menu in production would count as understood. What the learner gets is what
counts: a right intent turned into ``nlu_fallback`` is wrong, and for
``out_of_scope`` the fallback is right (both run action_fallback, the menu).

Exits non-zero when a goal is missed (GOALS: every language of a set at or
above its accuracy, ``stop`` and ``ask_human`` recall), when a test example is
also a training example once case, accents, punctuation and spaces are
ignored (a leak: the set would measure memory), when a dev example is one word
away from a training example (`--clean-dev` drops those), or, with --stories,
when a conversation test in nlu/tests/test_stories.yml fails. Writes every
figure to nlu/results/accuracy.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NLU = ROOT / "nlu"
MODEL = NLU / "models" / "lessonbot.tar.gz"
TESTS = NLU / "tests"
STORIES = TESTS / "test_stories.yml"
TRAIN_DIR = NLU / "data" / "nlu"
RESULTS = NLU / "results"
RASA_BIN = ROOT / ".venv-rasa" / "bin"


@dataclass(frozen=True)
class EvalSet:
    name: str
    folder: Path
    held_out: bool
    # Minimum accuracy in every language, or None.
    accuracy_goal: float | None = None
    # (intent, minimum recall over all languages), or None.
    recall_goal: tuple[str, float] | None = None


TEST_SETS = (
    EvalSet("dev", TESTS / "nlu_test", held_out=False, accuracy_goal=0.90),
    EvalSet("independent", TESTS / "independent", held_out=True, accuracy_goal=0.95),
    # A missed opt-out is the worst failure of this bot: a learner who asked to
    # stop goes on receiving messages.
    EvalSet("optout", TESTS / "optout", held_out=True, recall_goal=("stop", 1.0)),
    EvalSet("handoff", TESTS / "handoff", held_out=True, recall_goal=("ask_human", 0.95)),
)
# Intents that all end in action_fallback (the menu): one outcome for the learner.
MENU = frozenset({"out_of_scope", "nlu_fallback"})

# "[text](entity)" or "[text]{...}" -> "text"
_ANNOTATION = re.compile(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})")
_FALLBACK = re.compile(
    r"name:\s*FallbackClassifier\b(?:(?!\n\s*- name:).)*?\bthreshold:\s*([0-9.]+)", re.DOTALL
)


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    language: str
    # (entity, annotated text) pairs, in order.
    entities: tuple[tuple[str, str], ...] = ()


def normalise(text: str) -> str:
    """Lower case, no accents, no punctuation, single spaces: "¡Arrêt!" -> "arret"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^\w\s]|_", " ", plain).split())


def _entity_name(annotation: str) -> str:
    if annotation.startswith("{"):
        return str(json.loads(annotation)["entity"])
    # "(entity)", "(entity:value)" or "(entity=value)"
    return re.split(r"[:=]", annotation[1:-1], maxsplit=1)[0]


def parse_example(line: str, intent: str, language: str) -> Example:
    """One annotated example line ("la [b](option)") as plain text and entities."""
    entities = tuple((_entity_name(m.group(2)), m.group(1)) for m in _ANNOTATION.finditer(line))
    return Example(_ANNOTATION.sub(r"\1", line).strip(), intent, language, entities)


def read_examples(path: Path) -> list[Example]:
    """The intent examples of a Rasa NLU YAML file (language = the file's stem)."""
    import yaml  # the app's dependency; imported here so the parse worker needs none

    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples = []
    for block in data.get("nlu") or []:
        if "intent" not in block:
            continue
        items = block.get("examples") or []
        if isinstance(items, str):
            # Rasa's block form: one "- example" per line.
            lines = [line.strip()[2:] for line in items.splitlines() if line.strip()[:2] == "- "]
        else:
            lines = [item["text"] if isinstance(item, dict) else str(item) for item in items]
        examples += [parse_example(line, str(block["intent"]), path.stem) for line in lines]
    return examples


def training_examples() -> list[Example]:
    return [e for path in sorted(TRAIN_DIR.glob("*.yml")) for e in read_examples(path)]


def set_examples(test_set: EvalSet) -> list[Example]:
    return [e for path in sorted(test_set.folder.glob("*.yml")) for e in read_examples(path)]


def _dropped(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The sequence without each of its words in turn."""
    return [words[:i] + words[i + 1 :] for i in range(len(words))]


class TrainingIndex:
    """The training texts, normalised, for leak and near-duplicate look-ups.

    Near-duplicates are found by keys rather than by comparing every pair:
    a text one word longer than a training text gives it back with one word
    dropped; one word shorter is a training text with one word dropped; one
    word replaced at position i gives the same sequence with position i dropped.
    Two one-word texts ("holis", "hola") share no word, so they never count.
    """

    def __init__(self, examples: list[Example]) -> None:
        self.texts = {normalise(e.text) for e in examples}
        self._whole: set[tuple[str, ...]] = set()
        self._less_one: set[tuple[str, ...]] = set()
        self._changed_at: set[tuple[int, tuple[str, ...]]] = set()
        for text in self.texts:
            words = tuple(text.split())
            self._whole.add(words)
            if len(words) > 1:
                for i, rest in enumerate(_dropped(words)):
                    self._less_one.add(rest)
                    self._changed_at.add((i, rest))

    def is_leak(self, text: str) -> bool:
        return normalise(text) in self.texts

    def is_near_duplicate(self, text: str) -> bool:
        """One word added, dropped or replaced away from a training text (not equal)."""
        words = tuple(normalise(text).split())
        if words in self._whole or len(words) < 1:
            return False
        if words in self._less_one:
            return True  # a training text with one word more
        if len(words) < 2:
            return False
        dropped = _dropped(words)
        return any(rest in self._whole for rest in dropped) or any(
            (i, rest) in self._changed_at for i, rest in enumerate(dropped)
        )


def fallback_threshold() -> float:
    """The FallbackClassifier threshold from nlu/config.yml (0 if there is none)."""
    match = _FALLBACK.search((NLU / "config.yml").read_text(encoding="utf-8"))
    return float(match.group(1)) if match else 0.0


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


def outcome(parse: dict[str, Any]) -> str:
    """The intent the dialogue acts on (``nlu_fallback`` when the model is unsure)."""
    return str(parse["intent"]["name"])


def is_right(expected: str, predicted: str) -> bool:
    return predicted == expected or (expected in MENU and predicted in MENU)


def score(
    examples: list[Example], parses: dict[str, dict[str, Any]], keep_texts: bool
) -> SetResult:
    """Tally each example against its parse: per language, per intent, confusions, entities."""
    result = SetResult()
    for example in examples:
        parse = parses[example.text]
        predicted = outcome(parse)
        right = is_right(example.intent, predicted)
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


# --- Parsing with Rasa (runs in Rasa's own Python 3.10 environment) ----------


def parse_worker(model: str, texts_path: str, out_path: str) -> int:
    """Parse every text of a JSON list with the model, as the Rasa server would."""
    import asyncio
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # Warnings only: at debug level Rasa logs every parsed text, and the
    # held-out texts must not end up in a log that people read.
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)

    texts = json.loads(Path(texts_path).read_text(encoding="utf-8"))
    agent = Agent.load(model)

    async def parse_all() -> list[dict[str, Any]]:
        parsed = []
        for text in texts:
            result = await agent.parse_message(text)
            ranking = [r for r in result.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
            top = ranking[0] if ranking else result["intent"]
            parsed.append(
                {
                    "text": result["text"],
                    "intent": {
                        "name": result["intent"]["name"],
                        "confidence": round(float(result["intent"]["confidence"]), 4),
                    },
                    # The model's best guess before the fallback, with its confidence.
                    "top": {"name": top["name"], "confidence": round(float(top["confidence"]), 4)},
                    "entities": [
                        {"entity": e["entity"], "start": e["start"], "end": e["end"]}
                        for e in result.get("entities", [])
                    ],
                }
            )
        return parsed

    results = asyncio.run(parse_all())
    Path(out_path).write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    return 0


def _rasa_env() -> dict[str, str]:
    return dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2")


def parse_with_rasa(texts: list[str], log: Path) -> dict[str, dict[str, Any]]:
    """Parse the texts in one Rasa process (one model load); map each text to its parse."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        texts_path, out_path = Path(tmp, "texts.json"), Path(tmp, "parses.json")
        texts_path.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        command = [str(RASA_BIN / "python"), str(Path(__file__).resolve()), "--parse-worker"]
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
    command = [str(RASA_BIN / "rasa"), "test", "core", "--model", str(MODEL)]
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


# --- Checks before any parsing -------------------------------------------------


def leak_counts(sets: list[EvalSet], index: TrainingIndex) -> dict[str, dict[str, dict[str, int]]]:
    """Per set and language: test examples equal to, or one word from, a training example."""
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for test_set in sets:
        per_language = counts.setdefault(test_set.name, {})
        for example in set_examples(test_set):
            tally = per_language.setdefault(example.language, {"leaks": 0, "near_duplicates": 0})
            tally["leaks"] += index.is_leak(example.text)
            tally["near_duplicates"] += index.is_near_duplicate(example.text)
    return counts


def clean_dev(index: TrainingIndex) -> dict[str, dict[str, int]]:
    """Drop from the dev split every example equal to or one word from a training example."""
    dropped: dict[str, dict[str, int]] = {}
    dev = next(s for s in TEST_SETS if s.name == "dev")
    for path in sorted(dev.folder.glob("*.yml")):
        kept, tally = [], {"leaks": 0, "near_duplicates": 0}
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
            stripped = line.strip()
            if line.startswith((" ", "\t")) and stripped.startswith("- "):
                text = parse_example(stripped[2:], "", path.stem).text
                if index.is_leak(text):
                    tally["leaks"] += 1
                    continue
                if index.is_near_duplicate(text):
                    tally["near_duplicates"] += 1
                    continue
            kept.append(line)
        path.write_text("".join(kept), encoding="utf-8")
        dropped[path.stem] = tally
    return dropped


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
        "leaks_and_near_duplicates": checks,
    }
    if not test_set.held_out:
        summary["errors"] = result.errors
    return summary


def goals_missed(test_set: EvalSet, result: SetResult) -> list[str]:
    missed = []
    if test_set.accuracy_goal is not None:
        for language, tally in sorted(result.languages.items()):
            if tally.rate < test_set.accuracy_goal:
                missed.append(
                    f"{test_set.name} {language}: accuracy {tally.rate:.3f} "
                    f"< {test_set.accuracy_goal}"
                )
    if test_set.recall_goal is not None:
        intent, goal = test_set.recall_goal
        tally = result.intents.get(intent, Tally())
        if tally.rate < goal:
            missed.append(f"{test_set.name}: {intent} recall {tally.rate:.3f} < {goal}")
    return missed


def print_set(test_set: EvalSet, result: SetResult, show_errors: bool) -> None:
    label = "held out" if test_set.held_out else "development"
    print(f"{test_set.name} ({test_set.folder.relative_to(ROOT)}, {label}):")
    for language, tally in sorted(result.languages.items()):
        print(f"  {language}: {tally.rate:.3f} ({tally.correct}/{tally.examples})")
    if test_set.recall_goal is not None:
        intent, goal = test_set.recall_goal
        tally = result.intents.get(intent, Tally())
        per_language = ", ".join(
            f"{lang} {t.rate:.3f}" for lang, t in sorted(result.intent_languages[intent].items())
        )
        print(f"  {intent} recall {tally.rate:.3f} (goal {goal}; {per_language})")
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
    parser.add_argument("--parse-worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.parse_worker:
        return parse_worker(*args.parse_worker)

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
    problems = []
    for name, per_language in checks.items():
        for language, tally in per_language.items():
            if tally["leaks"]:
                problems.append(f"{name} {language}: {tally['leaks']} equal to a training example")
            if name == "dev" and tally["near_duplicates"]:
                problems.append(
                    f"dev {language}: {tally['near_duplicates']} one word from a training "
                    "example (run --clean-dev)"
                )
    for problem in problems:
        print(f"rasa_nlu_accuracy: {problem}", file=sys.stderr)
    if problems:
        return 1

    started = time.monotonic()
    examples = {s.name: set_examples(s) for s in sets}
    texts = sorted({e.text for group in examples.values() for e in group})
    parses = parse_with_rasa(texts, RESULTS / "parse.log")
    summary: dict[str, Any] = {
        "model": str(MODEL.relative_to(ROOT)),
        "fallback_threshold": fallback_threshold(),
        "goals": {
            s.name: {"accuracy_per_language": s.accuracy_goal, "recall": s.recall_goal}
            for s in sets
        },
        "sets": {},
    }
    missed = []
    for test_set in sets:
        result = score(examples[test_set.name], parses, keep_texts=not test_set.held_out)
        print_set(test_set, result, args.show_errors)
        summary["sets"][test_set.name] = set_summary(test_set, result, checks[test_set.name])
        missed += goals_missed(test_set, result)

    if args.stories:
        stories_ok = run_stories()
        summary["conversation_tests_pass"] = stories_ok
        print(f"conversation tests: {'all pass' if stories_ok else 'FAILED'} ({RESULTS / 'core'})")
        if not stories_ok:
            missed.append("conversation tests failed")
    summary["goals_missed"] = missed
    summary["seconds"] = round(time.monotonic() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "accuracy.json"
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"rasa_nlu_accuracy: wrote {path.relative_to(ROOT)} in {summary['seconds']} s")
    for goal in missed:
        print(f"rasa_nlu_accuracy: goal missed: {goal}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
