"""WhatsApp button titles (``button``): read, checked against WhatsApp's limits, shown."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.text.choices import option_choice
from lessons import check_catalog, load_catalog
from lessons.cli import lessons
from lessons.render import question_message
from tests.lessons.content_builders import VALID_LESSON, broken, line_of, one_lesson, write_content

pytestmark = pytest.mark.usefixtures("test_catalogs")

LESSON_FILE = "entrepreneurship/ent-test-idea.yml"
FOURTH_OPTION = (
    "      - text: {es: Vendo ya, en: Sell now, fr: Je vends, ht: Vann}\n"
    "        feedback: {es: Muy pronto., en: Too soon., fr: Trop tôt., ht: Twò bonè.}\n"
)


def with_button(lesson: str, option_es: str, button: str) -> str:
    """``lesson`` with ``button: <button>`` under the option whose Spanish text starts so."""
    [line] = [
        text for text in lesson.splitlines() if text.startswith(f"      - text: {{es: {option_es}")
    ]
    return broken(lesson, f"{line}\n", f"{line}\n        button: {button}\n")


def with_four_options(lesson: str = VALID_LESSON) -> str:
    return broken(lesson, "sources:", FOURTH_OPTION + "sources:")


def problems(tmp_path: Path, lesson: str) -> tuple[list[str], list[str]]:
    """The errors and warnings as `lessonbot lessons check` prints them."""
    content = write_content(tmp_path, one_lesson(lesson))
    result = check_catalog(content)
    errors = [str(error).replace(f"{content}/", "") for error in result.errors]
    warnings = [str(warning).replace(f"{content}/", "") for warning in result.warnings]
    return errors, warnings


def preview(tmp_path: Path, lesson: str, *args: str) -> str:
    content = write_content(tmp_path, one_lesson(lesson))
    command = ["preview", "ent-test-idea", *args, "--dir", str(content)]
    result = CliRunner().invoke(lessons, command)
    assert result.exit_code == 0, result.output
    return result.output


def test_buttons_are_read_per_language_and_may_leave_languages_out(tmp_path):
    lesson = with_button(VALID_LESSON, "Pregunto", "{es: Preguntar, en: Ask them}")
    catalog = load_catalog(write_content(tmp_path, one_lesson(lesson)))
    options = catalog.lesson("ent-test-idea").questions[0].options
    assert options[0].button == {"es": "Preguntar", "en": "Ask them"}
    assert options[1].button == {}


def test_the_question_message_carries_the_buttons_of_its_language(tmp_path):
    lesson = with_button(VALID_LESSON, "Pregunto", "{es: Preguntar, en: Ask them}")
    question = load_catalog(write_content(tmp_path, one_lesson(lesson))).lessons[0].questions[0]
    spanish = question_message(question, "es")
    assert spanish.buttons == ("Preguntar", "", "")
    # What WhatsApp shows: the button where given, the option's text elsewhere.
    choice = option_choice(spanish.text, spanish.options, "es", spanish.buttons)
    assert choice is not None
    assert choice.titles == ("Preguntar", "Compro mercancía", "Espero")
    # No button in French: the message is the same as before buttons existed.
    assert question_message(question, "fr").buttons == ()


@pytest.mark.parametrize(
    ("lesson", "fits", "too_long", "shown_as"),
    [
        (VALID_LESSON, "a" * 20, "a" * 21, "buttons after 20 (3 options)"),
        (with_four_options(), "a" * 24, "a" * 25, "list items after 24 (4 options)"),
    ],
    ids=["quick-reply", "list"],
)
def test_a_button_that_whatsapp_would_cut_is_refused(tmp_path, lesson, fits, too_long, shown_as):
    fitting = with_button(lesson, "Pregunto", f"{{es: {fits}}}")
    assert problems(tmp_path / "fits", fitting) == ([], [])
    cut = with_button(lesson, "Pregunto", f"{{en: Ask, es: {too_long}}}")
    assert problems(tmp_path / "cut", cut) == (
        [
            f"{LESSON_FILE}:{line_of(cut, 'button:')}: questions[0].options[0].button.es: "
            f"too long: {len(too_long)} characters; WhatsApp cuts titles of {shown_as}"
        ],
        [],
    )


def test_an_empty_button_is_refused(tmp_path):
    lesson = with_button(VALID_LESSON, "Compro", "{es: Comprar, fr: ''}")
    assert problems(tmp_path, lesson) == (
        [
            f"{LESSON_FILE}:{line_of(lesson, 'button:')}: questions[0].options[1].button.fr: "
            "empty button: leave the language out to show the option's text"
        ],
        [],
    )


def test_a_button_like_another_options_title_is_refused(tmp_path):
    # Like option 3's text, whatever the case: the learner could not tell them apart.
    lesson = with_button(VALID_LESSON, "Pregunto", "{es: ESPERO}")
    # Two buttons alike: reported once, on the second.
    lesson = with_button(lesson, "Compro", "{en: Ask}")
    lesson = with_button(lesson, "Espero", "{en: ask}")
    assert problems(tmp_path, lesson) == (
        [
            f"{LESSON_FILE}:{line_of(lesson, 'ESPERO')}: questions[0].options[0].button.es: "
            "'ESPERO' is also option 3's title: WhatsApp would show two buttons alike",
            f"{LESSON_FILE}:{line_of(lesson, 'en: ask')}: questions[0].options[2].button.en: "
            "'ask' is also option 2's title: WhatsApp would show two buttons alike",
        ],
        [],
    )


def test_a_button_must_be_translations(tmp_path):
    lesson = with_button(VALID_LESSON, "Pregunto", "Preguntar")
    lesson = with_button(lesson, "Compro", "{es: Comprar, pt: Comprar}")
    assert problems(tmp_path, lesson)[0] == [
        f"{LESSON_FILE}:{line_of(lesson, 'button: Preguntar')}: questions[0].options[0].button: "
        "expected translations (es, en, fr, ht)",
        f"{LESSON_FILE}:{line_of(lesson, 'pt: Comprar')}: questions[0].options[1].button.pt: "
        "unknown key 'pt' (languages are es, en, fr, ht)",
    ]


def test_a_button_wasted_by_an_option_shown_by_its_number_is_a_warning(tmp_path):
    lesson = with_button(VALID_LESSON, "Pregunto", "{fr: Demander}")
    lesson = broken(lesson, "fr: J'achète du stock,", "fr: J'achète du stock au marché,")
    errors, warnings = problems(tmp_path, lesson)
    assert errors == []
    assert warnings == [
        f"{LESSON_FILE}:{line_of(lesson, 'au marché')}: questions[0].options[1].text.fr: "
        "warning: 27 characters, too long for a WhatsApp title (at most 20) and no button: "
        "every option of this question is shown by its number, buttons included"
    ]


def test_preview_whatsapp_shows_quick_reply_buttons(tmp_path):
    lesson = with_button(VALID_LESSON, "Pregunto", "{es: Preguntar}")
    output = preview(tmp_path, lesson, "--lang", "es", "--channel", "whatsapp")
    question = output.split("\n\n", 1)[1]
    # A button that is not the option's text: the text lists the options in full.
    assert question == (
        "¿Qué haces primero?\n"
        "\n"
        "1. Pregunto a clientes\n"
        "2. Compro mercancía\n"
        "3. Espero\n"
        "[1 Preguntar] [2 Compro mercancía] [3 Espero]\n"
        "-- WhatsApp: 73 characters\n"
    )


def test_preview_whatsapp_shows_a_list_for_four_options(tmp_path):
    lesson = with_button(with_four_options(), "Pregunto", "{es: Preguntar}")
    output = preview(tmp_path, lesson, "--lang", "es", "--channel", "whatsapp")
    # The option's text goes under a title that is not it.
    assert output.split("\n\n", 1)[1] == (
        "¿Qué haces primero?\n"
        "(list button: Elegir)\n"
        "▸ Preguntar — Pregunto a clientes\n"
        "▸ Compro mercancía\n"
        "▸ Espero\n"
        "▸ Vendo ya\n"
        "-- WhatsApp: 19 characters\n"
    )


def test_preview_whatsapp_shows_numbers_when_a_title_does_not_fit(tmp_path):
    lesson = broken(VALID_LESSON, "es: Pregunto a clientes,", "es: Pregunto a mis clientes,")
    output = preview(tmp_path, lesson, "--lang", "es", "--channel", "whatsapp")
    assert output.split("\n\n", 1)[1] == (
        "¿Qué haces primero?\n"
        "\n"
        "1. Pregunto a mis clientes\n"
        "2. Compro mercancía\n"
        "3. Espero\n"
        "[1] [2] [3]\n"
        "-- WhatsApp: 77 characters\n"
    )


def test_buttons_change_nothing_on_sms(tmp_path):
    lesson = with_button(VALID_LESSON, "Pregunto", "{es: Preguntar}")
    with_buttons = preview(tmp_path / "buttons", lesson, "--lang", "es", "--with-accents")
    without = preview(tmp_path / "plain", VALID_LESSON, "--lang", "es", "--with-accents")
    assert with_buttons == without
    assert "Preguntar" not in with_buttons
