"""`lessonbot lessons check | report | preview` as a staff member runs them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from lessons.cli import Defaults, lessons
from tests.lessons.content_builders import (
    VALID_LESSON,
    broken,
    line_of,
    one_lesson,
    write_content,
)

pytestmark = pytest.mark.usefixtures("test_catalogs")

LESSON_FILE = "entrepreneurship/ent-test-idea.yml"


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(lessons, list(args))


@pytest.fixture
def content(tmp_path):  # type: ignore[no-untyped-def]
    return write_content(tmp_path, one_lesson())


def test_check_passes_with_a_one_line_summary(content):
    result = run("check", "--dir", str(content))
    assert result.exit_code == 0
    assert result.output == "OK: 1 lesson in 1 course, 4 languages (es, en, fr, ht), 0 warnings\n"


def test_check_fails_listing_every_error(tmp_path):
    lesson = broken(VALID_LESSON, "  fr: Teste ton idée\n", "")
    lesson = broken(lesson, "correct: true", "correct: maybe")
    content = write_content(tmp_path, one_lesson(lesson))
    result = run("check", "--dir", str(content))
    assert result.exit_code == 1
    lines = result.output.replace(f"{content}/", "").splitlines()
    assert lines == [
        f"{LESSON_FILE}:{line_of(lesson, 'title:')}: title.fr: missing translation",
        f"{LESSON_FILE}:{line_of(lesson, 'maybe')}: questions[0].options[0].correct: "
        "expected true or false, got 'maybe'",
        "2 errors, 0 warnings",
    ]


def test_report_json_has_every_part_language_and_channel(content):
    result = run("report", "--json", "--dir", str(content))
    assert result.exit_code == 0
    report = json.loads(result.output)
    rows = report["rows"]
    # 3 parts (lesson, q1, longest feedback) x (es, fr: 3 channels; en, ht: 2 channels).
    assert len(rows) == 3 * (3 + 3 + 2 + 2)
    by_key = {(row["part"], row["language"], row["channel"]): row for row in rows}
    assert by_key["lesson", "es", "sms"]["encoding"] == "UCS-2"
    assert by_key["lesson", "es", "sms"]["non_gsm_chars"] == ["í"]
    assert by_key["lesson", "es", "sms-accent-free"]["encoding"] == "GSM-7"
    assert by_key["lesson", "es", "whatsapp"]["segments"] is None
    assert {row["channel"] for row in rows} == {"sms", "sms-accent-free", "whatsapp"}
    assert report["totals"]["lessons"] == 1
    assert report["totals"]["lessons_per_course"] == {"entrepreneurship": 1}
    assert report["totals"]["languages"] == ["es", "en", "fr", "ht"]
    assert set(report["totals"]["largest_sms"]) == {"es", "en", "fr", "ht"}
    assert set(report["totals"]["largest_sms_accent_free"]) == {"es", "fr"}


def test_report_table_ends_with_the_totals(content):
    result = run("report", "--dir", str(content))
    assert result.exit_code == 0
    assert "ent-test-idea (entrepreneurship)" in result.output
    totals = result.output.splitlines()[-14:]
    assert totals[:5] == [
        "lessons: 1 (entrepreneurship 1)",
        "languages: 4 (es, en, fr, ht)",
        "largest SMS per language:",
        "  es: 2 segments, 94 characters UCS-2 (ent-test-idea lesson)",
        "      accent-free: 1 segment, 94 characters GSM-7 (ent-test-idea lesson)",
    ]


def test_report_shows_per_language_the_segments_with_and_without_accents(content):
    # As `lessonbot` hands down sender.sms_accent_free_languages (here: Spanish only).
    only_spanish = Defaults(read=lambda: (content, frozenset({"es"})))
    result = CliRunner().invoke(lessons, ["report", "--dir", str(content)], obj=only_spanish)
    assert result.exit_code == 0
    # The lesson (2 segments in UCS-2) and its question (2) as written; 1 + 1 without accents.
    assert result.output.splitlines()[-5:] == [
        "SMS segments of every lesson with its questions (per lesson on average):",
        "  es: with accents 4 (4.0), accent-free 2 (2.0), saving 2 (50%); sent accent-free",
        "  en: with accents 2 (2.0), sent with accents (no accent-free rendering)",
        "  fr: with accents 2 (2.0), accent-free 2 (2.0), saving 0 (0%); sent with accents",
        "  ht: with accents 2 (2.0), sent with accents (no accent-free rendering)",
    ]
    as_json = CliRunner().invoke(lessons, ["report", "--json", "--dir", str(content)])
    assert json.loads(as_json.output)["totals"]["sms_segments"]["es"] == {
        "sms": 4,
        "sms-accent-free": 2,
    }


def test_preview_follows_the_accent_free_languages_of_the_settings(content):
    spanish_and_french = Defaults(read=lambda: (content, frozenset({"es", "fr"})))
    args = ["preview", "ent-test-idea", "--lang", "es", "--dir", str(content)]
    result = CliRunner().invoke(lessons, args, obj=spanish_and_french)
    assert "comprarian y a qué precio." in result.output
    assert "-- SMS: GSM-7, 1 segment, 94 characters" in result.output


def test_preview_sms_prints_each_message_with_its_cost(content):
    result = run(
        "preview", "ent-test-idea", "--lang", "es", "--with-accents", "--dir", str(content)
    )
    assert result.exit_code == 0
    assert result.output == (
        "Prueba tu idea\n"
        "Antes de invertir, pregunta a 5 posibles clientes si comprarían y a qué precio.\n"
        "-- SMS: UCS-2 (forced by í), 2 segments, 94 characters\n"
        "\n"
        "¿Qué haces primero?\n"
        "1 Pregunto a clientes\n"
        "2 Compro mercancía\n"
        "3 Espero\n"
        "Responde 1, 2 o 3\n"
        "-- SMS: UCS-2 (forced by í), 2 segments, 87 characters\n"
    )


def test_preview_accent_free_sms_stays_in_gsm7(content):
    result = run("preview", "ent-test-idea", "--lang", "es", "--accent-free", "--dir", str(content))
    assert "-- SMS: GSM-7, 1 segment, 94 characters" in result.output
    assert "comprarian y a qué precio." in result.output


def test_preview_whatsapp(content):
    result = run("preview", "ent-test-idea", "--lang", "fr", "--channel", "whatsapp",
                 "--dir", str(content))  # fmt: skip
    assert result.exit_code == 0
    assert result.output.startswith("*Teste ton idée*\nAvant d'investir,")
    # Every option fits a quick-reply button: the text is just the prompt.
    assert result.output.endswith(
        "\n\nQue fais-tu d'abord ?\n"
        "[1 Je demande] [2 J'achète du stock] [3 J'attends]\n"
        "-- WhatsApp: 21 characters\n"
    )


def test_preview_unknown_lesson(content):
    result = run("preview", "ent-nope", "--with-accents", "--dir", str(content))
    assert result.exit_code == 1
    assert "unknown lesson 'ent-nope'; known: ent-test-idea" in result.output


def test_report_refuses_content_with_errors(tmp_path):
    content = write_content(tmp_path, one_lesson("key: [\n"))
    result = run("report", "--dir", str(content))
    assert result.exit_code == 1
    assert "YAML syntax error" in result.output
    assert "1 error in the lessons (see `lessonbot lessons check`)" in result.output
