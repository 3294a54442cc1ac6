"""scripts/rasa_nlu_accuracy.py: leaks, near-duplicates, scoring, goals; the data as committed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from scripts import nlu_examples
from scripts import rasa_nlu_accuracy as accuracy
from scripts.nlu_examples import EvalSet, Example, TrainingIndex


def example(text: str, intent: str = "stop", language: str = "es") -> Example:
    return nlu_examples.parse_example(text, intent, language)


def parse(text: str, intent: str, top: str | None = None, entities: list | None = None) -> dict:
    best = top or intent
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "top": {"name": best, "confidence": 0.9},
        "entities": entities or [],
    }


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("¡ARRÊT!", "arret"),
        ("  Désabonné,   merci ", "desabonne merci"),
        ("mwen pa vle resevwa mesaj ankò", "mwen pa vle resevwa mesaj anko"),
        ("l'après-midi", "l apres midi"),
        ("kiyès ki la?", "kiyes ki la"),
    ],
)
def test_normalise_ignores_case_accents_punctuation_and_spaces(typed: str, normal: str) -> None:
    assert nlu_examples.normalise(typed) == normal


def test_annotations_become_plain_text_and_entities() -> None:
    parsed = nlu_examples.parse_example(
        'la [b](option) o [anglaise]{"entity": "language"}', "x", "fr"
    )
    assert parsed.text == "la b o anglaise"
    assert parsed.entities == (("option", "b"), ("language", "anglaise"))


def test_a_leak_is_found_whatever_the_case_accents_or_punctuation() -> None:
    index = TrainingIndex([example("arrêter"), example("kiyes ki la")])
    assert index.is_leak("ARRETER")
    assert index.is_leak("kiyès ki la?")
    assert not index.is_leak("arrêter svp")


@pytest.mark.parametrize(
    ("text", "near"),
    [
        ("no quiero mas mensajes porfa", True),  # a word added
        ("quiero mas mensajes", True),  # a word dropped
        ("no quiero mas textos", True),  # a word replaced
        ("No quiero más mensajes", False),  # equal: a leak, not a near-duplicate
        ("no quiero recibir mas textos", False),  # two words away
        ("holis", False),  # one-word texts share no word with "hola"
        ("hola amigo", True),
        ("STOP STOP", True),
    ],
)
def test_near_duplicates_are_one_word_away(text: str, near: bool) -> None:
    index = TrainingIndex([example("no quiero mas mensajes"), example("hola"), example("stop")])
    assert index.is_near_duplicate(text) is near


def test_a_right_intent_turned_fallback_is_wrong_but_the_menu_is_right_for_out_of_scope() -> None:
    examples = [
        example("para ya", "stop"),
        example("no mas", "stop"),
        example("jajaja", "out_of_scope"),
        example("tengo hambre", "out_of_scope", "es"),
    ]
    parses = {
        "para ya": parse("para ya", "nlu_fallback", top="stop"),
        "no mas": parse("no mas", "stop"),
        "jajaja": parse("jajaja", "nlu_fallback", top="thanks"),
        "tengo hambre": parse("tengo hambre", "progress"),
    }
    result = accuracy.score(examples, parses, keep_texts=True)
    assert result.languages["es"].correct == 2
    assert result.intents["stop"].rate == 0.5
    assert result.confusions == {"stop -> nlu_fallback": 1, "out_of_scope -> progress": 1}
    assert [e["text"] for e in result.errors] == ["para ya", "tengo hambre"]


def test_held_out_texts_are_never_kept_or_summarised() -> None:
    held_out = EvalSet("optout", Path("nlu/tests/optout").resolve(), held_out=True)
    examples = [example("secret phrasing", "stop", "en")]
    result = accuracy.score(examples, {"secret phrasing": parse("x", "start")}, keep_texts=False)
    summary = accuracy.set_summary(held_out, result, {})
    assert result.errors == []
    assert "secret phrasing" not in repr(summary)
    assert summary["confusions"] == {"stop -> start": 1}


def test_the_opt_out_reader_catches_what_the_model_missed_and_its_false_alarms_are_counted() -> (
    None
):
    examples = [
        example("quiero salirme", "stop"),
        example("no mas", "stop"),
        example("hola", "greet"),
        example("otra leccion", "next_lesson"),
    ]
    parses = {
        "quiero salirme": parse("quiero salirme", "nlu_fallback", top="stop"),
        "no mas": parse("no mas", "start"),
        "hola": parse("hola", "greet"),
        "otra leccion": parse("otra leccion", "help"),
    }
    reader = {"quiero salirme", "hola", "otra leccion"}.__contains__
    result = accuracy.score(examples, parses, keep_texts=False, opt_out=reader)
    assert result.intents["stop"].rate == 0.0  # the model alone
    assert result.stop_with_net.figures() == {"examples": 2, "correct": 1, "rate": 0.5}
    assert (result.net_false_alarms, result.net_overrides_right) == (2, 1)
    optout = EvalSet("optout", Path("x"), held_out=True, recall_goal=("stop", 1.0))
    assert accuracy.goals_missed(optout, result) == ["optout: stop recall 0.500 < 1.0"]


def test_requests_to_stop_told_the_way_out_are_counted_apart_and_so_are_needless_reminders() -> (
    None
):
    examples = [
        example("corten los mensajes", "stop"),  # read as the menu, then the reminder
        example("ya estuvo", "stop"),  # read as thanks, no word of stopping
        example("terminar mi suscripcion", "stop"),  # read as start: its answer names BAJA
        example("paren por una semana", "pause"),  # the reminder after a pause
        example("gracias", "thanks"),
    ]
    parses = {
        "corten los mensajes": parse("corten los mensajes", "nlu_fallback"),
        "ya estuvo": parse("ya estuvo", "thanks"),
        "terminar mi suscripcion": parse("terminar mi suscripcion", "start"),
        "paren por una semana": parse("paren por una semana", "pause"),
        "gracias": parse("gracias", "thanks"),
    }
    result = accuracy.score(
        examples,
        parses,
        keep_texts=False,
        way_out=accuracy.told_the_way_out,
        reminder=accuracy.reminded,
    )
    assert result.stop_with_net.correct == 0
    assert result.stop_or_way_out.figures() == {"examples": 3, "correct": 2, "rate": 0.6667}
    assert (result.reminders_to_others, result.others) == (1, 2)


def test_stops_the_opt_out_action_declines_count_as_the_menu_with_the_way_out() -> None:
    examples = [
        example("no paren, manden la siguiente", "next_lesson"),  # declined: saved
        example("how do I stop a scammer", "out_of_scope"),  # declined: the menu is right
        example("quiero parar ya con esto", "stop"),  # declined: told the way out
        example("basta", "stop"),
    ]
    parses = {text: parse(text, "stop") for text in (e.text for e in examples)}
    declines = {"no paren, manden la siguiente", "how do I stop a scammer"}
    declines.add("quiero parar ya con esto")
    result = accuracy.score(examples, parses, keep_texts=False, declines=declines.__contains__)
    assert result.intents["stop"].figures() == {"examples": 2, "correct": 1, "rate": 0.5}
    assert result.intents["out_of_scope"].correct == 1
    assert result.intents["next_lesson"].correct == 0
    assert result.stop_or_way_out.figures() == {"examples": 2, "correct": 2, "rate": 1.0}
    assert (result.declined_stops, result.declined_others) == (1, 2)
    assert result.reminders_to_others == 2


def test_entities_must_match_exactly() -> None:
    examples = [
        example("la [b](option)", "choose_option"),
        example("[2](option) ya", "choose_option"),
    ]
    parses = {
        "la b": parse(
            "la b", "choose_option", entities=[{"entity": "option", "start": 3, "end": 4}]
        ),
        "2 ya": parse("2 ya", "choose_option", entities=[]),
    }
    assert accuracy.score(examples, parses, keep_texts=True).entities.figures() == {
        "examples": 2,
        "correct": 1,
        "rate": 0.5,
    }


def test_goals_per_language_and_for_recall() -> None:
    independent = EvalSet("independent", Path("x"), held_out=True, accuracy_goal=0.95)
    optout = EvalSet("optout", Path("x"), held_out=True, recall_goal=("stop", 1.0))
    texts = [f"t{i}" for i in range(20)]
    examples = [example(t, "stop", "ht") for t in texts]
    parses = {t: parse(t, "stop") for t in texts}
    parses["t0"] = parse("t0", "nlu_fallback", top="stop")
    result = accuracy.score(examples, parses, keep_texts=False)
    assert accuracy.goals_missed(independent, result) == []  # 19/20 = 0.95
    assert accuracy.goals_missed(optout, result) == ["optout: stop recall 0.950 < 1.0"]


def test_clean_dev_drops_leaks_and_near_duplicates(tmp_path: Path, monkeypatch) -> None:
    dev = tmp_path / "nlu_test"
    dev.mkdir()
    (dev / "es.yml").write_text(
        '# kept comment\nversion: "3.1"\nnlu:\n- intent: stop\n  examples: |\n'
        "    - No más mensajes!\n    - no mas mensajes porfa\n    - dejen de escribirme ya\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(nlu_examples, "TEST_SETS", (EvalSet("dev", dev, held_out=False),))
    index = TrainingIndex([example("no mas mensajes")])
    assert nlu_examples.clean_dev(index) == {"es": {"leaks": 1, "near_duplicates": 1}}
    assert [e.text for e in nlu_examples.read_examples(dev / "es.yml")] == [
        "dejen de escribirme ya"
    ]
    assert (dev / "es.yml").read_text(encoding="utf-8").startswith("# kept comment\n")


# --- The committed data -------------------------------------------------------


def test_the_dev_split_has_nothing_equal_to_or_one_word_from_training() -> None:
    index = TrainingIndex(nlu_examples.training_examples())
    dev = next(s for s in nlu_examples.TEST_SETS if s.name == "dev")
    close = [e.text for e in nlu_examples.set_examples(dev) if index.is_near_duplicate(e.text)]
    equal = [e.text for e in nlu_examples.set_examples(dev) if index.is_leak(e.text)]
    assert (equal, close) == ([], [])


def test_held_out_examples_equal_to_training_ones_are_left_out_of_the_score() -> None:
    index = TrainingIndex([example("hola"), example("Stop")])
    examples = [example("HOLA!"), example("stop ya"), example("¡stop!")]
    assert [e.text for e in nlu_examples.unseen(examples, index)] == ["stop ya"]


def test_only_the_dev_split_must_be_free_of_leaks_and_near_duplicates() -> None:
    checks = {
        "dev": {"es": {"leaks": 1, "near_duplicates": 2}, "en": {"leaks": 0, "near_duplicates": 0}},
        "independent": {"es": {"leaks": 30, "near_duplicates": 90}},
    }
    assert nlu_examples.leak_problems(checks) == [
        "dev es: 1 equal to a training example",
        "dev es: 2 one word from a training example (run --clean-dev)",
    ]


def test_every_intent_of_the_domain_is_trained_in_all_four_languages() -> None:
    domain = yaml.safe_load((nlu_examples.NLU / "domain.yml").read_text(encoding="utf-8"))
    # Never typed: external events the app triggers, the fallback, and the
    # intent the worker sends for a learner's words during a hand-off to staff.
    typed = {
        intent
        for intent in domain["intents"]
        if not intent.startswith("EXTERNAL_") and intent not in ("nlu_fallback", "handoff_message")
    }
    trained = {(e.intent, e.language) for e in nlu_examples.training_examples()}
    missing = sorted(
        (i, lang) for i in typed for lang in ("es", "en", "fr", "ht") if (i, lang) not in trained
    )
    assert missing == []


def test_floors_fail_the_build_goals_are_only_reported() -> None:
    general = EvalSet(
        "final-general", Path("x"), held_out=True, accuracy_goal=0.95, accuracy_floor=0.90
    )
    texts = [f"t{i}" for i in range(10)]
    examples = [example(t, "greet", "fr") for t in texts]
    parses = {t: parse(t, "greet") for t in texts}
    parses["t0"] = parse("t0", "help")  # 9/10: under the goal, over the floor
    result = accuracy.score(examples, parses, keep_texts=False)
    assert accuracy.goals_missed(general, result) == ["final-general fr: accuracy 0.900 < 0.95"]
    assert accuracy.floors_broken(general, result) == []
    parses["t1"] = parse("t1", "help")  # 8/10: under the floor too
    result = accuracy.score(examples, parses, keep_texts=False)
    assert accuracy.floors_broken(general, result) == ["final-general fr: accuracy 0.800 < 0.9"]


def test_every_set_has_a_floor_and_the_final_sets_are_held_out() -> None:
    for test_set in nlu_examples.TEST_SETS:
        assert test_set.accuracy_floor is not None or test_set.recall_floor is not None
        assert test_set.held_out == test_set.name.startswith("final-"), test_set.name
