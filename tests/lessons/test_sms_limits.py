"""The SMS rules of the checker: sizes in every language and rendering, and characters."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from lessons import Catalog, check_catalog
from tests.lessons.content_builders import VALID_LESSON, broken, line_of, one_lesson, write_content

pytestmark = pytest.mark.usefixtures("test_catalogs")

LESSON_FILE = "entrepreneurship/ent-test-idea.yml"
ES_BODY = "    Antes de invertir, pregunta a 5 posibles clientes si comprarían y a qué precio."
EN_BODY = (
    "    Before you spend money, ask 5 possible customers if they would buy, and at what price."
)
ES_PROMPT = "      es: ¿Qué haces primero?"
HT_FEEDBACK = "ht: Mande anvan.}"


@dataclass(frozen=True)
class Checked:
    catalog: Catalog | None
    errors: list[str]  # as printed, with the temporary directory left out
    warnings: list[str]


def check(tmp_path: Path, lesson: str) -> Checked:
    content = write_content(tmp_path, one_lesson(lesson))
    result = check_catalog(content)
    short = [str(problem).replace(f"{content}/", "") for problem in result.errors]
    warned = [str(problem).replace(f"{content}/", "") for problem in result.warnings]
    return Checked(result.catalog, short, warned)


def test_lesson_over_three_ucs2_segments(tmp_path):
    # "Prueba tu idea" + newline + 205 = 220 UTF-16 units: 4 segments of 67.
    lesson = broken(VALID_LESSON, ES_BODY, "    Cómo " + "a" * 200)
    checked = check(tmp_path, lesson)
    assert checked.errors == [
        f"{LESSON_FILE}:{line_of(lesson, 'Cómo') - 1}: body.es: too long: the lesson (title and "
        "body) is 4 SMS segments (220 characters, UCS-2); at most 3"
    ]


def test_lesson_that_fits_only_as_written_fails_in_the_accent_free_rendering(tmp_path):
    # 201 units as written (3 segments); "…" becomes "..." without accents: 221 units.
    body = "    →" + "…" * 10 + "a" * 175
    lesson = broken(VALID_LESSON, ES_BODY, body)
    checked = check(tmp_path, lesson)
    assert checked.errors == [
        f"{LESSON_FILE}:{line_of(lesson, '→') - 1}: body.es: too long: the lesson (title and "
        "body) is 4 SMS segments in the accent-free rendering (221 characters, UCS-2); at most 3"
    ]


def test_gsm7_lesson_fits_exactly_at_459_septets(tmp_path):
    # "Test your idea" + newline = 15; 15 + 444 = 459 = 3 x 153.
    checked = check(tmp_path, broken(VALID_LESSON, EN_BODY, "    " + "a" * 444))
    assert checked.errors == []
    checked = check(tmp_path / "over", broken(VALID_LESSON, EN_BODY, "    " + "a" * 445))
    assert [error.split(": ", 2)[1:] for error in checked.errors] == [
        ["body.en", "too long: the lesson (title and body) is 4 SMS segments "
         "(460 characters, GSM-7); at most 3"],
    ]  # fmt: skip


def test_question_with_its_options_over_two_segments(tmp_path):
    lesson = broken(VALID_LESSON, ES_PROMPT, "      es: ¿Qué " + "a" * 100 + "?")
    checked = check(tmp_path, lesson)
    assert checked.errors == [
        f"{LESSON_FILE}:{line_of(lesson, '¿Qué aaa')}: questions[0].prompt.es: too long: "
        "the question with its options is 3 SMS segments (174 characters, UCS-2); at most 2"
    ]


def test_feedback_over_two_segments(tmp_path):
    lesson = broken(VALID_LESSON, HT_FEEDBACK, "ht: " + "a" * 307 + "}")
    checked = check(tmp_path, lesson)
    assert checked.errors == [
        f"{LESSON_FILE}:{line_of(lesson, 'aaaa')}: questions[0].options[1].feedback.ht: "
        "too long: the feedback is 3 SMS segments (307 characters, GSM-7); at most 2"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (r"\0", "'\\x00' (U+0000 unnamed) is a control or invisible character: remove it"),
        (r"\t", "'\\t' (U+0009 unnamed) is a control or invisible character: remove it"),
        (
            r"\u200b",
            "'\\u200b' (U+200B ZERO WIDTH SPACE) is a control or invisible character: remove it",
        ),
        (
            "\U0001f4a1",
            "'\U0001f4a1' (U+1F4A1 ELECTRIC LIGHT BULB): no emoji in lessons; "
            "they break on basic phones and force UCS-2",
        ),
    ],
)
def test_characters_that_break_sms_are_errors(tmp_path, text, message):
    lesson = broken(VALID_LESSON, "  es: Prueba tu idea", f'  es: "Prueba{text} tu idea"')
    checked = check(tmp_path, lesson)
    assert checked.catalog is None
    assert checked.errors == [f"{LESSON_FILE}:{line_of(lesson, 'Prueba')}: title.es: {message}"]


def test_characters_that_only_cost_segments_are_warnings(tmp_path):
    lesson = broken(VALID_LESSON, "  en: Test your idea", "  en: Test your idea’s price")
    lesson = broken(lesson, "ht: Byen!}", 'ht: "Èske w konprann?"}')
    checked = check(tmp_path, lesson)
    assert checked.errors == []
    assert checked.catalog is not None
    assert checked.warnings == [
        f"{LESSON_FILE}:{line_of(lesson, 'idea’s')}: title.en: warning: '’' (U+2019 RIGHT SINGLE "
        'QUOTATION MARK) is not in GSM-7 and forces the whole SMS into UCS-2 (use "\'")',
        f"{LESSON_FILE}:{line_of(lesson, 'Èske')}: questions[0].options[0].feedback.ht: "
        "warning: 'È' (U+00C8 LATIN CAPITAL LETTER E WITH GRAVE) is not in GSM-7 and forces "
        "the whole SMS into UCS-2 (use 'E')",
    ]


def test_spanish_and_french_accents_are_expected(tmp_path):
    # VALID_LESSON is full of á, é, è, ç...: none of them is worth a warning.
    checked = check(tmp_path, VALID_LESSON)
    assert (checked.errors, checked.warnings) == ([], [])


def test_decomposed_accents_are_loaded_as_single_characters(tmp_path):
    lesson = broken(VALID_LESSON, "  fr: Teste ton idée", '  fr: "Teste ton ide\\u0301e"')
    checked = check(tmp_path, lesson)
    assert (checked.errors, checked.warnings) == ([], [])
    assert checked.catalog.lesson("ent-test-idea").title["fr"] == "Teste ton idée"
