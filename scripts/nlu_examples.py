"""The NLU examples: training data, test sets, and how close a test example is to training.

Shared by scripts/rasa_nlu_accuracy.py and its tests. A test set is a folder
with one <lang>.yml per language (Rasa's NLU YAML); a test example equal to a
training example once case, accents, punctuation and spaces are ignored is a
leak, and one a single word away from one is a near-duplicate.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NLU = ROOT / "nlu"
TESTS = NLU / "tests"
TRAIN_DIR = NLU / "data" / "nlu"


@dataclass(frozen=True)
class EvalSet:
    name: str
    folder: Path
    held_out: bool
    # The goals the model is measured against (issue 16), reported; a missed
    # goal is printed, it does not fail the build.
    # Minimum accuracy in every language, or None.
    accuracy_goal: float | None = None
    # (intent, minimum recall over all languages), or None.
    recall_goal: tuple[str, float] | None = None
    # The floors `make test` fails below: a few points under what the current
    # model measured, so that a change to nlu/ that makes understanding worse
    # stops the build, while a goal not reached yet does not hide every other
    # result. Raise them when the model improves; never lower them to pass.
    accuracy_floor: float | None = None
    recall_floor: tuple[str, float] | None = None


# Floors of the final held-out sets: measured once on the model of the commit
# that set them (README, "Understanding"), minus a margin for retraining noise.
# The opt-out floor was 0.96 until the same data, config and seed, trained on
# another host's CPU, gave 0.965 where the first host gave 0.974 (2026-12-06):
# a floor inside the host-to-host spread would fail builds at random.
FINAL_GENERAL_FLOOR = 0.90
FINAL_OPTOUT_FLOOR = 0.95
FINAL_HANDOFF_FLOOR = 0.93

TEST_SETS = (
    EvalSet("dev", TESTS / "nlu_test", held_out=False, accuracy_goal=0.90, accuracy_floor=0.90),
    # The first sets written without seeing the training data. The first round
    # of NLU work measured on them three times and added training data after
    # each, so they are development sets now; their texts still stay out of
    # logs and results, as their author asked.
    EvalSet(
        "independent",
        TESTS / "independent",
        held_out=False,
        accuracy_goal=0.95,
        accuracy_floor=0.92,
    ),
    # A missed opt-out is the worst failure of this bot: a learner who asked to
    # stop goes on receiving messages.
    EvalSet(
        "optout",
        TESTS / "optout",
        held_out=False,
        recall_goal=("stop", 1.0),
        recall_floor=("stop", 0.96),
    ),
    EvalSet(
        "handoff",
        TESTS / "handoff",
        held_out=False,
        recall_goal=("ask_human", 0.95),
        recall_floor=("ask_human", 0.93),
    ),
    # Written on 2026-12-06 by a third author per language, blind as the first
    # ones, to choose between models once the first sets were tuned on: every
    # intent, and 45 requests to stop a language. A development set from its
    # first use.
    EvalSet(
        "second-blind",
        TESTS / "second_blind",
        held_out=False,
        accuracy_goal=0.95,
        recall_goal=("stop", 1.0),
        # Measured on 2026-12-06: 0.904 to 0.942 a language; every request to
        # stop read by the opt-out reader (widened from this set).
        accuracy_floor=0.86,
        recall_floor=("stop", 0.97),
    ),
    # Written on 2026-12-07 by a fourth author, blind as the others, in French
    # and Creole only: the two languages under the goal on the final set.
    # A development set from its first use.
    EvalSet(
        "fourth-blind",
        TESTS / "fourth_blind",
        held_out=False,
        accuracy_goal=0.95,
        recall_goal=("stop", 1.0),
        # Measured on 2026-12-07: fr 0.950, ht 0.870; with the reader every
        # request to stop of the 19 not equal to a training example.
        accuracy_floor=0.84,
        recall_floor=("stop", 0.94),
    ),
    # The final held-out sets (nlu/tests/final/): written by a second author who
    # saw neither the training data nor the first sets; nobody reads their
    # texts or their errors, only these aggregate figures.
    EvalSet(
        "final-general",
        TESTS / "final" / "general",
        held_out=True,
        accuracy_goal=0.95,
        accuracy_floor=FINAL_GENERAL_FLOOR,
    ),
    EvalSet(
        "final-optout",
        TESTS / "final" / "optout",
        held_out=True,
        recall_goal=("stop", 1.0),
        recall_floor=("stop", FINAL_OPTOUT_FLOOR),
    ),
    EvalSet(
        "final-handoff",
        TESTS / "final" / "handoff",
        held_out=True,
        recall_goal=("ask_human", 0.95),
        recall_floor=("ask_human", FINAL_HANDOFF_FLOOR),
    ),
)
# "[text](entity)" or "[text]{...}" -> "text"
_ANNOTATION = re.compile(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})")


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
    # Punctuation (Unicode categories P*) becomes a space; emoji and other
    # symbols stay, so "👍" and "🙏" remain two different examples.
    plain = "".join(
        " " if unicodedata.category(char).startswith("P") else char
        for char in decomposed
        if not unicodedata.combining(char)
    )
    return " ".join(plain.split())


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


def leak_problems(checks: dict[str, dict[str, dict[str, int]]]) -> list[str]:
    """Leaks and near-duplicates in the dev split, which its owner must remove (counts only)."""
    problems = []
    for language, tally in checks.get("dev", {}).items():
        if tally["leaks"]:
            problems.append(f"dev {language}: {tally['leaks']} equal to a training example")
        if tally["near_duplicates"]:
            problems.append(
                f"dev {language}: {tally['near_duplicates']} one word from a training "
                "example (run --clean-dev)"
            )
    return problems


def unseen(examples: list[Example], index: TrainingIndex) -> list[Example]:
    """The examples that are not training examples: what a held-out set can measure.

    The independent sets were written without seeing the training data, so an
    example equal to a training one ("hola", "STOP", "b") is a coincidence, not
    a copy; it is left out of the score (and counted) rather than deleted from
    either side, so the training data keeps its keywords and the held-out
    files stay as their author wrote them.
    """
    return [e for e in examples if not index.is_leak(e.text)]
