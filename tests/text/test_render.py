"""One logical message rendered for SMS and WhatsApp, in each language."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

import bot.text.i18n
from bot.text.render import Message, render
from bot.text.sms import analyse
from lessons.model import Lesson, Option, Question
from lessons.render import lesson_message, question_message
from tests.lessons.gettext_catalogs import FOOTERS, MSGIDS, use_test_catalogs


@pytest.fixture(autouse=True)
def _catalogs(monkeypatch: pytest.MonkeyPatch) -> None:
    use_test_catalogs(monkeypatch)


def text(**translations: str) -> dict[str, str]:
    return translations


QUESTION = Question(
    key="q1",
    prompt=text(es="¿Qué haces?", en="What do you do?", fr="Que fais-tu ?", ht="Kisa w fè?"),
    options=(
        Option(text(es="Pregunto", en="Ask", fr="Je demande", ht="Mande"), True, text()),
        Option(text(es="Compro", en="Buy", fr="J'achète", ht="Achte"), False, text()),
        Option(text(es="Espero", en="Wait", fr="J'attends", ht="Tann"), False, text()),
    ),
)
LESSON = Lesson(
    key="ent-test-idea",
    course_key="entrepreneurship",
    title=text(es="Prueba tu idea", en="Test your idea", fr="Teste ton idée", ht="Teste lide ou"),
    body=text(es="Pregunta a 5 clientes.", en="Ask 5 customers.", fr="Demande à 5 clients.",
              ht="Mande 5 kliyan."),
    questions=(QUESTION,),
)  # fmt: skip


def test_sms_question_is_compact_numbered_with_a_translated_footer():
    rendered = render(question_message(QUESTION, "es"), "sms", "es")
    assert rendered == "¿Qué haces?\n1 Pregunto\n2 Compro\n3 Espero\nResponde 1, 2 o 3"


@pytest.mark.parametrize(
    ("count", "language", "footer"),
    [
        (1, "es", "Responde 1"),
        (2, "es", "Responde 1 o 2"),
        (3, "en", "Reply 1, 2 or 3"),
        (3, "fr", "Réponds 1, 2 ou 3"),
        (3, "ht", "Reponn 1, 2 oswa 3"),
        (4, "es", "Responde 1, 2, 3 o 4"),
        (4, "ht", "Reponn 1, 2, 3 oswa 4"),
        (6, "es", "Responde con un número del 1 al 6"),
    ],
)
def test_footer_joins_the_numbers_the_language_s_way(count, language, footer):
    message = Message("?", options=tuple(f"option {n}" for n in range(1, count + 1)))
    for channel in ("sms", "whatsapp"):
        assert render(message, channel, language).endswith("\n" + footer)


def test_sms_drops_blank_lines_and_trailing_spaces():
    message = Message("Hola.  \n\nSegunda línea.\n", title="Título")
    assert render(message, "sms", "es") == "Título\nHola.\nSegunda línea."


def test_sms_message_without_options_has_no_footer():
    assert render(Message("Gracias."), "sms", "es") == "Gracias."


def test_sms_lesson_is_title_then_body():
    assert (
        render(lesson_message(LESSON, "fr"), "sms", "fr") == "Teste ton idée\nDemande à 5 clients."
    )


def test_accent_free_sms_keeps_spanish_in_gsm7():
    message = Message("¿Qué harías? Lección rápida.", options=("Sí", "No"), title="Título")
    assert render(message, "sms", "es") == (
        "Título\n¿Qué harías? Lección rápida.\n1 Sí\n2 No\nResponde 1 o 2"
    )
    rendered = render(message, "sms", "es", accent_free=True)
    assert rendered == "Titulo\n¿Qué harias? Leccion rapida.\n1 Si\n2 No\nResponde 1 o 2"
    assert analyse(rendered).encoding == "GSM-7"


def test_accent_free_sms_changes_the_french_footer_only_where_needed():
    rendered = render(question_message(QUESTION, "fr"), "sms", "fr", accent_free=True)
    assert rendered.endswith("\n2 J'achète\n3 J'attends\nRéponds 1, 2 ou 3")


def test_whatsapp_has_a_bold_title_and_numbered_options_in_blocks():
    assert render(lesson_message(LESSON, "es"), "whatsapp", "es") == (
        "*Prueba tu idea*\nPregunta a 5 clientes."
    )
    assert render(question_message(QUESTION, "ht"), "whatsapp", "ht") == (
        "Kisa w fè?\n\n1. Mande\n2. Achte\n3. Tann\n\nReponn 1, 2 oswa 3"
    )


def test_whatsapp_ignores_the_accent_free_switch():
    message = lesson_message(LESSON, "fr")
    assert render(message, "whatsapp", "fr", accent_free=True) == render(message, "whatsapp", "fr")


def test_unknown_channel_is_refused():
    with pytest.raises(ValueError, match="unknown channel 'mms'"):
        render(Message("hola"), "mms", "es")  # type: ignore[arg-type]


@pytest.mark.parametrize("language", ["es", "fr", "ht"])
def test_shipped_catalogs_translate_the_rendering_msgids(language):
    po_file = bot.text.i18n.TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"
    assert po_file.is_file(), f"{po_file} is missing"
    with po_file.open("rb") as handle:
        catalog = read_po(handle)
    missing = [msgid for msgid in MSGIDS if not (catalog.get(msgid) and catalog[msgid].string)]
    assert missing == [], f"{language}: add {missing} (intended: {FOOTERS[language]})"
