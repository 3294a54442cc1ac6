"""WhatsApp taps with the real Rasa server and action server.

A tap posts what Twilio posts (the title as Body, ButtonPayload or ListId,
OriginalRepliedMessageSid; see tests/integration/phone.py ``Phone.tap``). In
each language a learner signs up, answers the quiz and uses the help menu by
taps alone; taps and typed answers mix freely; a tap on an old question is
answered as typing that option's text now would be; a tap the bot cannot
place gets a reply in the learner's language, never an error.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.messaging.content_sync import needed_choices
from bot.models import OutboxMessage, QuizAttempt
from bot.text.i18n import gettext_for
from bot.text.languages import LANGUAGE_NAMES, LANGUAGES
from bot.text.menus import (
    consent_options,
    delivery_day_options,
    menu_keywords,
    menu_text,
)
from bot.text.times import format_clock, format_days
from bot.vocab import InboundStatus
from lessons import load_catalog
from tests.integration.phone import Phone

pytestmark = pytest.mark.rasa

HELLO = {"es": "hola", "en": "hi", "fr": "bonjour", "ht": "bonjou"}
# The help menu's own word in each language (MENU works in all of them).
HELP_WORD = {"es": "AYUDA", "en": "HELP", "fr": "AIDE", "ht": "ÈD"}
MONDAY_TO_FRIDAY = "1111100"


def joined(replies: list[str]) -> str:
    return "\n".join(replies)


def keyword(language: str, line: str) -> str:
    """A menu keyword in ``language``, from its menu line ("PROGRESS: how you are doing")."""
    return gettext_for(language)(line).partition(":")[0].strip()


def first_lesson(settings):  # type: ignore[no-untyped-def]
    course = load_catalog(settings.lessons_path).course("entrepreneurship")
    return course, course.lessons[0]


def onboard_by_taps(phone: Phone, language: str, settings) -> str:  # type: ignore[no-untyped-def]
    """Sign up by taps alone (entrepreneurship, 7 pm, Monday to Friday); return the last reply."""
    _ = gettext_for(language)
    course, _lesson = first_lesson(settings)

    phone.say(HELLO[language])
    assert phone.choices_shown() == tuple(LANGUAGE_NAMES[code] for code in LANGUAGES)

    reply = joined(phone.tap(LANGUAGES.index(language) + 1))
    assert _("Do you agree?") in reply
    assert phone.choices_shown() == tuple(consent_options(language))

    reply = joined(phone.tap(1))
    assert _("Which course do you want to start?") in reply

    reply = joined(phone.tap_on(course.title[language]))
    assert (
        _("What time do you want your lessons? Choose one, or write a time like 6:30 pm.") in reply
    )
    assert len(phone.choices_shown()) == 4

    reply = joined(phone.tap(4))  # evening, 7 pm
    assert (
        _("Which days do you want your lessons? Choose one, or write the days, like: mon wed fri")
        in reply
    )
    days = delivery_day_options(language)
    # A label too long for a button is shown by its number, the text lists it in full.
    assert phone.choices_shown() in (tuple(days), ("1", "2", "3"))

    return joined(phone.tap(2))  # Monday to Friday


def attempts(phone: Phone) -> list[tuple[str, int, bool]]:
    """The learner's quiz answers as stored: (question, option chosen, right)."""
    with phone.sessions() as session:
        rows = session.scalars(
            select(QuizAttempt).filter_by(learner_id=phone.learner_id).order_by(QuizAttempt.id)
        )
        return [(a.question_key, a.chosen_option, a.correct) for a in rows]


def schedule_line(language: str) -> str:
    _ = gettext_for(language)
    return _("Your lessons will come at {time}, on these days: {days}.").format(
        time=format_clock("19:00", language), days=format_days(MONDAY_TO_FRIDAY, language)
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_whole_conversation_by_taps(new_phone, stack_settings, language: str) -> None:
    phone = new_phone(channel="whatsapp")
    _ = gettext_for(language)
    course, lesson = first_lesson(stack_settings)

    reply = onboard_by_taps(phone, language, stack_settings)
    assert schedule_line(language) in reply
    assert lesson.title[language] in reply
    first = lesson.questions[0]
    assert first.prompt[language] in reply
    assert len(phone.choices_shown()) == len(first.options)
    with phone.sessions() as session:
        learner = phone.learner(session)
        assert learner is not None
        assert (learner.language, learner.delivery_time, learner.delivery_days) == (
            language,
            "19:00",
            MONDAY_TO_FRIDAY,
        )
        assert learner.consent_at is not None

    # The right answer, tapped: its feedback.
    reply = joined(phone.tap(first.correct_number))
    assert first.options[first.correct_number - 1].feedback[language] in reply
    second = lesson.questions[1]
    assert second.prompt[language] in reply

    # A wrong answer, tapped: its feedback and the right answer.
    wrong = next(n for n in range(1, len(second.options) + 1) if n != second.correct_number)
    reply = joined(phone.tap(wrong))
    assert second.options[wrong - 1].feedback[language] in reply
    assert second.options[second.correct_number - 1].text[language] in reply

    # No button leads to the help menu: its word is typed once, then a keyword tapped.
    reply = joined(phone.say(HELP_WORD[language]))
    assert menu_text(language) in reply
    shown = phone.choices_shown()
    assert shown == tuple(word for word, _what in menu_keywords(language))

    reply = joined(phone.tap_on(keyword(language, "PROGRESS: how you are doing")))
    assert _("Lessons done: {done} of {total}").format(done=1, total=len(course.lessons)) in reply
    assert _("Right answers: {right} of {answered}").format(right=1, answered=2) in reply

    assert attempts(phone) == [(first.key, first.correct_number, True), (second.key, wrong, False)]
    with phone.sessions() as session:
        assert phone.all_answered(session)
        # Every message with buttons was one `lessonbot whatsapp sync` makes ahead:
        # the sync's idea of a message is the message the actions sent.
        learner = phone.learner(session)
        assert learner is not None
        shown = set(
            session.scalars(
                select(OutboxMessage.choice_key).where(
                    OutboxMessage.learner_id == learner.id, OutboxMessage.choice_key.is_not(None)
                )
            )
        )
    retention = stack_settings.app.message_retention_days
    catalog = load_catalog(stack_settings.lessons_path)
    known = {choice.key for choice in needed_choices(catalog, LANGUAGES, retention)}
    assert len(shown) >= 8  # language, consent, course, time, days, 2 questions, the menu
    assert shown <= known


def test_taps_and_typed_answers_mix(new_phone, stack_settings) -> None:
    phone = new_phone(channel="whatsapp")
    _ = gettext_for("en")
    course, lesson = first_lesson(stack_settings)

    phone.say("hi")
    reply = joined(phone.say(str(LANGUAGES.index("en") + 1)))  # typed
    assert _("Do you agree?") in reply

    reply = joined(phone.tap(1))  # Yes
    assert _("Which course do you want to start?") in reply

    reply = joined(phone.tap_on(course.title["en"]))
    assert _("What time do you want your lessons?") in reply

    reply = joined(phone.say("7 pm"))  # typed
    assert _("Which days do you want your lessons?") in reply

    reply = joined(phone.tap(2))  # Monday to Friday
    assert schedule_line("en") in reply
    first = lesson.questions[0]
    assert first.prompt["en"] in reply

    reply = joined(phone.say(str(first.correct_number)))  # typed
    assert first.options[first.correct_number - 1].feedback["en"] in reply

    # The next question's buttons are the latest: a tap answers it.
    second = lesson.questions[1]
    reply = joined(phone.tap(second.correct_number))
    assert second.options[second.correct_number - 1].feedback["en"] in reply

    with phone.sessions() as session:
        learner = phone.learner(session)
        assert learner is not None
        assert (learner.language, learner.delivery_time, learner.delivery_days) == (
            "en",
            "19:00",
            MONDAY_TO_FRIDAY,
        )
        assert phone.all_answered(session)


def test_a_tap_on_an_old_quiz_question_is_read_as_typing_that_option(
    new_phone, stack_settings
) -> None:
    _course, lesson = first_lesson(stack_settings)
    first = lesson.questions[0]
    tapping, typing = new_phone(channel="whatsapp"), new_phone(channel="whatsapp")
    for phone in (tapping, typing):
        phone.onboard(days="2")
        assert lesson.questions[1].prompt["es"] in joined(phone.say(str(first.correct_number)))

    # The second question waits; the learner scrolls up and taps the first one's option.
    wrong = next(n for n in range(1, len(first.options) + 1) if n != first.correct_number)
    tapped = tapping.tap(wrong, message_back=1)
    typed = typing.say(first.options[wrong - 1].text["es"])

    assert tapped
    assert tapped == typed
    assert attempts(tapping) == attempts(typing)
    with tapping.sessions() as session:
        assert tapping.all_answered(session)


def test_a_tap_on_the_old_language_list_is_read_as_typing_that_language(new_phone) -> None:
    tapping, typing = new_phone(channel="whatsapp"), new_phone(channel="whatsapp")
    typing.say("hi")
    typing.say("2")
    tapping.say("hi")
    assert gettext_for("en")("Do you agree?") in joined(tapping.tap_on("English"))

    # The consent question waits; the learner scrolls up to the language list.
    tapped = tapping.tap_on("Français", message_back=1)
    typed = typing.say("Français")

    assert tapped
    assert tapped == typed


UNKNOWN_TAPS = {
    "unknown-button": {"ButtonText": "Sí", "ButtonPayload": "c:0123456789abcdef:1"},
    "garbage-button": {"ButtonText": "Sí", "ButtonPayload": "garbage"},
    "unknown-list-item": {"ListTitle": "PROGRESO", "ListId": "c:0123456789abcdef:9"},
}


@pytest.mark.parametrize("form", UNKNOWN_TAPS.values(), ids=UNKNOWN_TAPS.keys())
def test_a_tap_that_matches_nothing_gets_a_reply(new_phone, form: dict[str, str]) -> None:
    phone = new_phone(channel="whatsapp")
    phone.onboard(language="2", yes="yes", days="2")  # English: not the default language
    phone.received()
    _ = gettext_for("en")

    phone.post(next(iter(form.values())), **form)
    phone.work()
    reply = joined(phone.received())

    # Read as the menu keyword: the menu, in the learner's language.
    assert reply == menu_text("en")
    with phone.sessions() as session:
        assert phone.inbound_statuses(session)[-1] == InboundStatus.DONE
        assert phone.all_answered(session)


def test_a_tap_that_matches_nothing_before_any_language_gets_the_question_again(
    new_phone,
) -> None:
    # Every recent message's choice is compared with the tap: the language menu's too.
    phone = new_phone(channel="whatsapp")
    phone.say("hola")

    phone.post("Sí", ButtonText="Sí", ButtonPayload="c:0123456789abcdef:1")
    phone.work()
    reply = joined(phone.received())

    with phone.sessions() as session:
        assert phone.inbound_statuses(session)[-1] == InboundStatus.DONE
    assert "Kreyòl" in reply  # the language question again
