"""Measure intent accuracy per language on the held-out NLU split.

Run with any Python 3 (stdlib only) after the model is trained
(scripts/rasa_train.py): `.venv/bin/python scripts/rasa_nlu_accuracy.py`.

It runs `rasa test nlu` once on nlu/tests/nlu_test/ (one <lang>.yml per
language) against nlu/models/lessonbot.tar.gz, splits Rasa's per-example
results by language, prints one line per language and writes
nlu/results/accuracy.json (Rasa's own reports are in nlu/results/nlu_test/).
A right intent below the FallbackClassifier threshold counts as wrong: Rasa's
test undoes the fallback, but the learner would have got the menu instead.

Exits non-zero when a language is below the target (0.90), when a held-out
example also appears in the training data (the split would then measure
nothing), or, with --stories, when a conversation test in
nlu/tests/test_stories.yml fails (`rasa test core`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NLU = ROOT / "nlu"
MODEL = NLU / "models" / "lessonbot.tar.gz"
TEST_DIR = NLU / "tests" / "nlu_test"
STORIES = NLU / "tests" / "test_stories.yml"
TRAIN_DIR = NLU / "data" / "nlu"
RESULTS = NLU / "results"
# Rasa as it serves learners: its CLI through the checked patch (README: Rasa
# runtime patch), so that a Rasa the server would refuse is not measured either.
RASA = [str(ROOT / ".venv-rasa" / "bin" / "python"), "-m", "rasa_runtime"]
TARGET = 0.90

# "[text](entity)" or "[text]{...}" -> "text"
_ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")
_BLOCK = re.compile(r"^- (intent|synonym|regex|lookup):")
_EXAMPLE = re.compile(r"^\s+- (.*)$")
_FALLBACK_THRESHOLD = re.compile(
    r"name:\s*FallbackClassifier\b(?:(?!\n\s*- name:).)*?\bthreshold:\s*([0-9.]+)", re.DOTALL
)


@dataclass
class LanguageResult:
    examples: int = 0
    correct: int = 0
    errors: list[dict[str, object]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return round(self.correct / self.examples, 4) if self.examples else 0.0


def _plain(example: str) -> str:
    return _ANNOTATION.sub(r"\1", example).strip()


def _normalise(text: str) -> str:
    # Case and punctuation do not count: the model lower-cases and the
    # tokenizer drops punctuation, so "Stop!" is the same example as "stop".
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def intent_examples(path: Path) -> list[str]:
    """The plain text of the intent examples in a Rasa NLU YAML file."""
    texts = []
    in_intent = False
    for line in path.read_text(encoding="utf-8").splitlines():
        block = _BLOCK.match(line)
        if block:
            in_intent = block.group(1) == "intent"
            continue
        example = _EXAMPLE.match(line)
        if in_intent and example:
            texts.append(_plain(example.group(1)))
    return texts


def leaked_examples() -> dict[str, list[str]]:
    """Held-out examples that also occur in the training data, per language."""
    training = {_normalise(t) for p in sorted(TRAIN_DIR.glob("*.yml")) for t in intent_examples(p)}
    leaks = {}
    for path in sorted(TEST_DIR.glob("*.yml")):
        found = sorted({t for t in intent_examples(path) if _normalise(t) in training})
        if found:
            leaks[path.stem] = found
    return leaks


def language_of_examples() -> tuple[dict[str, str], list[str]]:
    """Map each held-out text to its language; also list texts found in two languages."""
    language_of: dict[str, str] = {}
    duplicates = []
    for path in sorted(TEST_DIR.glob("*.yml")):
        for text in intent_examples(path):
            other = language_of.get(text)
            if other and other != path.stem:
                duplicates.append(f"{text!r} ({other}, {path.stem})")
            language_of[text] = path.stem
    return language_of, duplicates


def fallback_threshold() -> float:
    """The FallbackClassifier threshold from nlu/config.yml (0 if there is none)."""
    match = _FALLBACK_THRESHOLD.search((NLU / "config.yml").read_text(encoding="utf-8"))
    return float(match.group(1)) if match else 0.0


def run_rasa(arguments: list[str], log: Path) -> int:
    """Run the rasa command line (patched) in nlu/ with telemetry off, output to ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", PYTHONPATH=str(ROOT))
    with log.open("w", encoding="utf-8") as handle:
        # The command is built from this file's constants, never from input.
        return subprocess.run(  # noqa: S603
            [*RASA, *arguments],
            cwd=NLU,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            check=False,
        ).returncode


def split_by_language(out: Path, threshold: float) -> dict[str, LanguageResult]:
    """Score Rasa's per-example results (successes and errors) per language."""
    language_of, _ = language_of_examples()
    results = {language: LanguageResult() for language in sorted(set(language_of.values()))}
    for name in ("intent_successes.json", "intent_errors.json"):
        path = out / name
        for record in json.loads(path.read_text(encoding="utf-8")) if path.exists() else []:
            language = language_of.get(record["text"].strip())
            if language is None:
                raise RuntimeError(f"cannot tell the language of {record['text']!r}")
            result = results[language]
            result.examples += 1
            predicted = record["intent_prediction"]["name"]
            confidence = float(record["intent_prediction"]["confidence"])
            if confidence < threshold:
                predicted = f"nlu_fallback ({predicted})"
            if predicted == record["intent"]:
                result.correct += 1
            else:
                result.errors.append(
                    {
                        "text": record["text"],
                        "expected": record["intent"],
                        "predicted": predicted,
                        "confidence": round(confidence, 3),
                    }
                )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--target", type=float, default=TARGET, help=f"minimum per language (default {TARGET})"
    )
    parser.add_argument("--show-errors", action="store_true", help="print each wrong example")
    parser.add_argument("--stories", action="store_true", help="also run rasa test core")
    args = parser.parse_args(argv)

    if not MODEL.exists():
        print(f"rasa_nlu_accuracy: no model at {MODEL}; run scripts/rasa_train.py", file=sys.stderr)
        return 2
    leaks = leaked_examples()
    for language, texts in leaks.items():
        print(
            f"rasa_nlu_accuracy: {language}: held-out examples also in the training data: "
            + "; ".join(texts),
            file=sys.stderr,
        )
    _, duplicates = language_of_examples()
    if duplicates:
        print(
            "rasa_nlu_accuracy: held-out examples in two languages: " + "; ".join(duplicates),
            file=sys.stderr,
        )
    if leaks or duplicates:
        return 1

    started = time.monotonic()
    out = RESULTS / "nlu_test"
    nlu_args = ["test", "nlu", "--model", str(MODEL), "--nlu", str(TEST_DIR), "--out", str(out)]
    code = run_rasa([*nlu_args, "--successes"], out / "rasa_test_nlu.log")
    if code != 0 or not (out / "intent_report.json").exists():
        print(f"rasa_nlu_accuracy: rasa test nlu failed; see {out / 'rasa_test_nlu.log'}")
        return 1
    threshold = fallback_threshold()
    languages = split_by_language(out, threshold)
    rasa_report = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    entity_path = out / "DIETClassifier_report.json"
    entity_report = (
        json.loads(entity_path.read_text(encoding="utf-8")) if entity_path.exists() else {}
    )
    entity_f1 = entity_report.get("weighted avg", {}).get("f1-score")

    failed = []
    for language, result in languages.items():
        ok = result.accuracy >= args.target
        if not ok:
            failed.append(language)
        print(
            f"{language}: intent accuracy {result.accuracy:.3f} on {result.examples} examples, "
            f"{len(result.errors)} wrong{'' if ok else ', BELOW TARGET'}"
        )
        for error in result.errors if args.show_errors else []:
            print(
                f"    {error['text']!r}: expected {error['expected']}, "
                f"got {error['predicted']} ({error['confidence']})"
            )
    print(
        f"all languages: Rasa's own intent accuracy {rasa_report['accuracy']:.3f} "
        f"(fallback undone), entity F1 {entity_f1 if entity_f1 is None else round(entity_f1, 3)}"
    )

    stories_ok = True
    if args.stories:
        core_out = RESULTS / "core"
        core_args = ["test", "core", "--model", str(MODEL), "--stories", str(STORIES)]
        core_args += ["--out", str(core_out), "--fail-on-prediction-errors", "--no-plot"]
        stories_ok = run_rasa(core_args, core_out / "rasa_test_core.log") == 0
        print(f"conversation tests: {'all pass' if stories_ok else 'FAILED'} ({core_out})")

    summary = {
        "target": args.target,
        "fallback_threshold": threshold,
        "model": str(MODEL.relative_to(ROOT)),
        "languages": {
            language: {"accuracy": r.accuracy, **asdict(r)} for language, r in languages.items()
        },
        "rasa_intent_accuracy_fallback_undone": round(float(rasa_report["accuracy"]), 4),
        "entity_f1": None if entity_f1 is None else round(float(entity_f1), 4),
        "conversation_tests_pass": stories_ok if args.stories else None,
        "seconds": round(time.monotonic() - started, 1),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    summary_path = RESULTS / "accuracy.json"
    summary_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", "utf-8")
    print(f"rasa_nlu_accuracy: wrote {summary_path.relative_to(ROOT)} in {summary['seconds']} s")
    if failed:
        print(f"rasa_nlu_accuracy: below {args.target:.2f}: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed or not stories_ok else 0


if __name__ == "__main__":
    sys.exit(main())
