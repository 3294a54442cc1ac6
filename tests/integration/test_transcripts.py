"""A learner's whole conversation, per language, through the real webhook, the
worker, a real Rasa server with the trained model, the action server and the
local channel: join → language → consent → course → time → days (an answer
that names no day first, then the days) → first lesson → a right and a wrong
answer → progress → STOP → nothing more is sent.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from bot.learners.localtime import to_local
from bot.models import Enrollment, InboundMessage, LessonDelivery, OutboxMessage, QuizAttempt
from bot.text.i18n import gettext_for
from bot.text.languages import LANGUAGES
from bot.vocab import LearnerStatus
from lessons import load_catalog

pytestmark = pytest.mark.rasa


@dataclass(frozen=True)
class Script:
    language: str
    hello: str
    yes: str
    time: str
    days: str  # the answer to the days question
    mask: str  # the days stored (Learner.delivery_days, Monday first)
    days_line: str  # how the confirmation names them
    progress: str
    stop: str


SCRIPTS = [
    Script(
        "es", "Hola", "si", "a las 7 de la noche", "lun mie vie", "1010100",
        "Tus lecciones llegarán a las 7:00 pm, estos días: lunes, miércoles y viernes.",
        "progreso", "BAJA",
    ),
    Script(
        "en", "hi", "yes", "7pm", "2", "1111100",
        "Your lessons will come at 7:00 PM, on these days: Monday to Friday.",
        "my progress", "STOP",
    ),
    Script(
        "fr", "bonjour", "oui", "19h", "seulement le week-end", "0000011",
        "Tes leçons arriveront à 19:00, ces jours-là : samedi et dimanche.",
        "mes progres", "ARRET",
    ),
    Script(
        "ht", "bonjou", "wi", "7è di swa", "len mek van", "1010100",
        "Leson ou yo ap vini a 19:00, jou sa yo: lendi, mèkredi ak vandredi.",
        "pwogre mwen", "KANPE",
    ),
]  # fmt: skip
# Names no day in any language: the days question is asked again.
NOT_DAYS = "pizza"


def joined(replies: list[str]) -> str:
    return "\n".join(replies)


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.language for s in SCRIPTS])
def test_whole_conversation(new_phone, stack_settings, script: Script) -> None:
    phone = new_phone()
    lang = script.language
    _ = gettext_for(lang)
    catalog = load_catalog(stack_settings.lessons_path)
    course = catalog.course("entrepreneurship")
    lesson = course.lessons[0]

    # Join: the language question lists every language.
    reply = joined(phone.say(script.hello))
    for name in ("Español", "English", "Français", "Kreyòl"):
        assert name in reply

    # Language: from here on everything is in the learner's language.
    reply = joined(phone.say(str(LANGUAGES.index(lang) + 1)))
    assert _("Do you agree?") in reply

    reply = joined(phone.say(script.yes))
    assert _("Which course do you want to start?") in reply
    course_number = next(line for line in reply.splitlines() if course.title[lang] in line)[0]

    reply = joined(phone.say(course_number))
    assert (
        _("What time do you want your lessons? Choose one, or write a time like 6:30 pm.") in reply
    )

    days_question = _(
        "Which days do you want your lessons? Choose one, or write the days, like: mon wed fri"
    )
    reply = joined(phone.say(script.time))
    assert days_question in reply
    for option in (_("Every day"), _("Monday to Friday"), _("Weekends only")):
        assert option in reply
    assert lesson.title[lang] not in reply

    # An answer that names no day is not dropped: a short "sorry" and the question again.
    reply = joined(phone.say(NOT_DAYS))
    assert _("Sorry, I didn't get the days.") in reply
    assert days_question in reply

    # Days: the schedule is confirmed with them, and the first lesson and its quiz arrive.
    reply = joined(phone.say(script.days))
    assert script.days_line in reply
    assert lesson.title[lang] in reply
    assert lesson.body[lang][:40] in reply
    first = lesson.questions[0]
    assert first.prompt[lang] in reply
    with phone.sessions() as session:
        learner = phone.learner(session)
        assert learner is not None
        assert learner.delivery_days == script.mask
        # Lesson 1 came now; the next one is on one of the chosen days, at 7 pm.
        assert learner.next_lesson_at is not None
        local = to_local(learner.next_lesson_at, learner.timezone or "America/Panama")
        assert script.mask[local.weekday()] == "1"
        assert (local.hour, local.minute) == (19, 0)

    # A right answer gets that option's feedback.
    right = first.correct_number
    reply = joined(phone.say(str(right)))
    assert first.options[right - 1].feedback[lang] in reply

    # A wrong answer gets its feedback and the right answer.
    second = lesson.questions[1]
    wrong = next(n for n in range(1, len(second.options) + 1) if n != second.correct_number)
    reply = joined(phone.say(str(wrong)))
    assert second.options[wrong - 1].feedback[lang] in reply
    assert second.options[second.correct_number - 1].text[lang] in reply

    reply = joined(phone.say(script.progress))
    assert _("Lessons done: {done} of {total}").format(done=1, total=len(course.lessons)) in reply

    reply = joined(phone.say(script.stop))
    assert (
        _(
            "You will not get more messages. To come back, write START. "
            "To erase your data, write DELETE."
        )
        in reply
    )

    with phone.sessions() as session:
        learner = phone.learner(session)
        assert learner is not None
        assert learner.status == LearnerStatus.OPTED_OUT
        assert learner.language == lang
        assert learner.consent_at is not None
        assert learner.delivery_time == "19:00"
        assert learner.delivery_days == script.mask
        assert learner.next_lesson_at is None
        enrolments = session.scalars(select(Enrollment).where(Enrollment.learner_id == learner.id))
        assert [e.course_key for e in enrolments] == ["entrepreneurship"]
        deliveries = session.scalars(
            select(LessonDelivery.lesson_key).where(LessonDelivery.learner_id == learner.id)
        )
        assert list(deliveries) == [lesson.key]
        attempts = list(
            session.scalars(
                select(QuizAttempt)
                .where(QuizAttempt.learner_id == learner.id)
                .order_by(QuizAttempt.id)
            )
        )
        assert [(a.question_key, a.chosen_option, a.correct) for a in attempts] == [
            (first.key, right, True),
            (second.key, wrong, False),
        ]
        outbox_before = session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.learner_id == learner.id)
        )

    # After STOP nothing more is sent, whatever the learner writes; the
    # message is still stored and marked answered, not dropped.
    assert phone.say(script.hello) == []
    assert phone.say("1") == []
    with phone.sessions() as session:
        learner = phone.learner(session)
        assert (
            session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.learner_id == learner.id, OutboxMessage.status == "delivered")
            )
            == outbox_before
        )
        assert phone.all_answered(session)
        stored = session.scalar(
            select(func.count())
            .select_from(InboundMessage)
            .where(InboundMessage.learner_id == learner.id)
        )
        assert stored == len(phone.sent_sids) == 13
