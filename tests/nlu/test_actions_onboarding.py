"""Onboarding: the prompts, the form's validation (saved at once) and the finish."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from bot.models import Enrollment, LessonDelivery
from bot.vocab import LearnerStatus
from nlu.actions.onboarding import (
    ActionAskConsent,
    ActionAskCourse,
    ActionAskDeliveryDays,
    ActionAskDeliveryTime,
    ActionAskLanguage,
    ActionFinishOnboarding,
)
from nlu.actions.onboarding_form import ValidateOnboardingForm
from tests.nlu.helpers import FIXED_NOW, add_learner, reload, run, tracker

pytestmark = pytest.mark.usefixtures("action_context")
FORM = "onboarding_form"


def slot_turn(learner, slot, value, text=None, **slots):  # type: ignore[no-untyped-def]
    """The form's turn: the domain mapped ``value`` to ``slot`` (None: nothing was mapped)."""
    after = [] if value is None else [{"event": "slot", "name": slot, "value": value}]
    return tracker(
        learner,
        text if text is not None else str(value),
        intent="choose_option",
        slots={"requested_slot": slot, **slots},
        events_after=after,
        active_loop=FORM,
    )


def test_language_prompt_shows_all_four_languages(db_session, domain):
    learner = add_learner(db_session, onboarded=False)
    result = run(ActionAskLanguage(), tracker(learner, "hola"), domain)

    assert result.messages == [
        {
            "text": "Elige tu idioma / Choose your language / Choisis ta langue / Chwazi lang ou",
            "options": ["Español", "English", "Français", "Kreyòl"],
            "kind": "reply",
            "allow_when_opted_out": False,
        }
    ]


@pytest.mark.parametrize(
    ("value", "text", "saved"),
    [("2", "2", "en"), ("fr", "francais", "fr"), ("4", "la 4", "ht"), ("es", "Español", "es")],
)
def test_language_is_saved_at_once(db_session, domain, value, text, saved):
    learner = add_learner(db_session, onboarded=False)
    result = run(ValidateOnboardingForm(), slot_turn(learner, "language", value, text), domain)

    assert result.slots["language"] == saved
    assert result.messages == []
    assert reload(db_session, learner).language == saved


def test_language_from_text_without_entity(db_session, domain):
    learner = add_learner(db_session, onboarded=False)
    turn = slot_turn(learner, "language", None, text="kreyòl souple")
    result = run(ValidateOnboardingForm(), turn, domain)

    assert result.slots["language"] == "ht"
    assert reload(db_session, learner).language == "ht"


def test_unknown_language_is_asked_again(db_session, domain):
    learner = add_learner(db_session, onboarded=False)
    result = run(ValidateOnboardingForm(), slot_turn(learner, "language", "7"), domain)

    assert result.slots["language"] is None
    assert result.texts == ["Perdón, no entendí."]
    assert reload(db_session, learner).language is None


def test_privacy_notice_is_in_the_chosen_language(db_session, domain, settings):
    learner = add_learner(db_session, onboarded=False, language="fr")
    result = run(ActionAskConsent(), tracker(learner, "3"), domain)

    (message,) = result.messages
    assert message["text"].startswith("Confidentialité : on garde ton numéro chiffré")
    assert f"après {settings.app.message_retention_days} jours" in message["text"]
    assert "SUPPRIMER" in message["text"]
    assert message["text"].endswith("Es-tu d'accord ?")
    assert message["options"] == ["Oui", "Non"]


@pytest.mark.parametrize(("value", "text"), [(True, "si"), ("1", "1"), (None, "wi")])
def test_consent_yes_is_recorded(db_session, domain, value, text):
    learner = add_learner(db_session, onboarded=False, language="es")
    result = run(ValidateOnboardingForm(), slot_turn(learner, "consent", value, text), domain)

    assert result.slots["consent"] is True
    assert reload(db_session, learner).consent_at == FIXED_NOW


@pytest.mark.parametrize(("value", "text"), [(False, "no"), ("2", "2")])
def test_consent_no_ends_the_form(db_session, domain, value, text):
    learner = add_learner(db_session, onboarded=False, language="es")
    turn = slot_turn(learner, "consent", value, text, language="es")
    result = run(ValidateOnboardingForm(), turn, domain)

    assert result.slots["consent"] is False
    assert result.slots["requested_slot"] is None  # no course, no time: the form is done
    assert reload(db_session, learner).consent_at is None


def test_stop_during_the_consent_question_is_not_read_as_no(db_session, domain):
    """ "no más mensajes" is STOP (the form ignores it), not "no" to the notice."""
    learner = add_learner(db_session, onboarded=False, language="es")
    turn = tracker(
        learner,
        "no más mensajes",
        intent="stop",
        slots={"requested_slot": "consent", "language": "es"},
        active_loop=FORM,
    )
    result = run(ValidateOnboardingForm(), turn, domain)

    assert "consent" not in result.slots
    assert reload(db_session, learner).consent_at is None


def test_course_prompt_lists_both_courses(db_session, domain, action_context):
    learner = add_learner(db_session, onboarded=False, language="en")
    result = run(ActionAskCourse(), tracker(learner, "yes"), domain)

    catalog = action_context.catalog()
    assert result.messages[0]["text"] == "Which course do you want to start?"
    assert result.messages[0]["options"] == [
        catalog.course("entrepreneurship").title["en"],
        catalog.course("digital_safety").title["en"],
    ]


@pytest.mark.parametrize(
    ("value", "text", "course"),
    [
        ("1", "1", "entrepreneurship"),
        ("2", "la 2", "digital_safety"),
        ("digital_safety", "seguridad", "digital_safety"),
        (None, "quiero emprender", "entrepreneurship"),
    ],
)
def test_course_is_saved(db_session, domain, value, text, course):
    learner = add_learner(db_session, onboarded=False, language="es", consent_at=FIXED_NOW)
    result = run(ValidateOnboardingForm(), slot_turn(learner, "course", value, text), domain)

    assert result.slots["course"] == course
    assert reload(db_session, learner).course_key == course


@pytest.mark.parametrize(
    ("language", "options"),
    [
        ("es", ["Mañana, 8:00 am", "Mediodía, 12:00 pm", "Tarde, 5:00 pm", "Noche, 7:00 pm"]),
        ("en", ["Morning, 8:00 AM", "Midday, 12:00 PM", "Afternoon, 5:00 PM", "Evening, 7:00 PM"]),
        ("fr", ["Matin, 08:00", "Midi, 12:00", "Après-midi, 17:00", "Soir, 19:00"]),
        ("ht", ["Maten, 08:00", "Midi, 12:00", "Apremidi, 17:00", "Aswè, 19:00"]),
    ],
)  # fmt: skip
def test_time_prompt_offers_four_times_in_local_format(db_session, domain, language, options):
    learner = add_learner(db_session, onboarded=False, language=language)
    result = run(ActionAskDeliveryTime(), tracker(learner, "1"), domain)

    assert result.messages[0]["options"] == options


@pytest.mark.parametrize(
    ("value", "saved"),
    [
        ("2", "12:00"),
        ("a las 7 de la noche", "19:00"),
        ("19:30", "19:30"),
        ("en la mañana", "08:00"),
    ],
)
def test_time_is_parsed_and_saved(db_session, domain, value, saved):
    learner = add_learner(db_session, onboarded=False, language="es", consent_at=FIXED_NOW)
    result = run(ValidateOnboardingForm(), slot_turn(learner, "delivery_time", value), domain)

    assert result.slots["delivery_time"] == saved
    assert reload(db_session, learner).delivery_time == saved


def test_a_time_that_is_not_a_time_is_asked_again(db_session, domain):
    learner = add_learner(db_session, onboarded=False, language="es", consent_at=FIXED_NOW)
    result = run(ValidateOnboardingForm(), slot_turn(learner, "delivery_time", "no se"), domain)

    assert result.slots["delivery_time"] is None
    assert result.texts == ["Perdón, no entendí la hora."]


@pytest.mark.parametrize(
    ("language", "text", "options"),
    [
        (
            "es",
            "¿Qué días quieres recibir las lecciones? Elige una opción o escribe los días, "
            "por ejemplo: lun mie vie",
            ["Todos los días", "De lunes a viernes", "Solo fines de semana"],
        ),
        (
            "en",
            "Which days do you want your lessons? Choose one, or write the days, like: mon wed fri",
            ["Every day", "Monday to Friday", "Weekends only"],
        ),
        (
            "fr",
            "Quels jours veux-tu tes leçons ? Choisis une option ou écris les jours, "
            "par exemple : lun mer ven",
            ["Tous les jours", "Du lundi au vendredi", "Seulement le week-end"],
        ),
        (
            "ht",
            "Ki jou ou vle resevwa leson yo? Chwazi youn, oswa ekri jou yo, tankou: len mek van",
            ["Chak jou", "Lendi rive vandredi", "Sèlman wikenn"],
        ),
    ],
)
def test_days_prompt_offers_three_choices_in_the_learners_language(
    db_session, domain, language, text, options
):
    learner = add_learner(db_session, onboarded=False, language=language)
    result = run(ActionAskDeliveryDays(), tracker(learner, "4"), domain)

    assert result.messages == [
        {"text": text, "options": options, "kind": "reply", "allow_when_opted_out": False}
    ]


@pytest.mark.parametrize(
    ("language", "value", "text", "saved"),
    [
        # A menu number, as the worker sends a bare digit (no text) or as written.
        ("es", "1", "", "1111111"),
        ("en", "2", "2", "1111100"),
        ("ht", "3", "", "0000011"),
        # The learner's own words, in each language; "a" is not option 1 here.
        ("es", "1", "solo lunes a viernes", "1111100"),
        ("es", "lun mie vie", "lun mie vie", "1010100"),
        ("en", "weekends only", "weekends only", "0000011"),
        ("fr", "lun mer ven", "lun mer ven", "1010100"),
        ("fr", "tous les jours sauf le dimanche", "tous les jours sauf le dimanche", "1111110"),
        ("ht", "len mek van", "len mek van", "1010100"),
        ("ht", "Lendi rive vandredi", "Lendi rive vandredi", "1111100"),
    ],
)
def test_days_are_read_and_saved(db_session, domain, language, value, text, saved):
    learner = add_learner(
        db_session, onboarded=False, language=language, consent_at=FIXED_NOW, delivery_time="19:00"
    )
    turn = slot_turn(learner, "delivery_days", value, text, language=language)
    result = run(ValidateOnboardingForm(), turn, domain)

    assert result.slots["delivery_days"] == saved
    assert result.messages == []
    assert reload(db_session, learner).delivery_days == saved


def test_days_named_in_a_message_read_as_yes_still_count(db_session, domain):
    """ "todos los días" may come as affirm, which the domain's from_text mapping skips."""
    learner = add_learner(db_session, onboarded=False, language="es", consent_at=FIXED_NOW)
    turn = tracker(
        learner,
        "todos los días",
        intent="affirm",
        slots={"requested_slot": "delivery_days", "language": "es"},
        active_loop=FORM,
    )
    result = run(ValidateOnboardingForm(), turn, domain)

    assert result.slots["delivery_days"] == "1111111"


@pytest.mark.parametrize(
    ("language", "value", "sorry"),
    [
        ("es", "mañana no sé", "Perdón, no entendí los días."),
        ("en", "7", "Sorry, I didn't get the days."),
        ("fr", "bof", "Désolé, je n'ai pas compris les jours."),
        ("ht", "mwen pa konnen", "Eskize m, mwen pa konprann jou yo."),
    ],
)
def test_days_that_are_not_days_are_asked_again_in_the_learners_language(
    db_session, domain, language, value, sorry
):
    learner = add_learner(
        db_session, onboarded=False, language=language, consent_at=FIXED_NOW, delivery_time="19:00"
    )
    turn = slot_turn(learner, "delivery_days", value, language=language)
    result = run(ValidateOnboardingForm(), turn, domain)

    assert result.slots["delivery_days"] is None  # the form asks the same question again
    assert result.texts == [sorry]
    assert reload(db_session, learner).delivery_days == "1111111"


def test_finish_enrols_confirms_and_sends_the_first_lesson(db_session, domain, action_context):
    learner = add_learner(
        db_session,
        onboarded=False,
        language="es",
        consent_at=FIXED_NOW,
        course_key="entrepreneurship",
        delivery_time="19:00",
    )
    slots = {"consent": True, "course": "entrepreneurship", "delivery_time": "19:00"}
    result = run(ActionFinishOnboarding(), tracker(learner, "4", slots=slots), domain)

    first = action_context.catalog().course("entrepreneurship").lessons[0]
    confirmation, lesson, quiz = result.messages
    title = action_context.catalog().course("entrepreneurship").title["es"]
    assert confirmation["text"] == (
        f'¡Listo! Tu curso: "{title}".\n'
        "Tus lecciones llegarán todos los días a las 7:00 pm.\n"
        "Escribe MENU cuando quieras para ver lo que puedes hacer."
    )
    assert lesson == {
        "text": f"{first.title['es']}\n{first.body['es']}",
        "options": [],
        "kind": "lesson",
        "allow_when_opted_out": False,
    }
    assert quiz["kind"] == "quiz"
    assert quiz["text"] == first.questions[0].prompt["es"]
    assert quiz["options"] == [option.text["es"] for option in first.questions[0].options]
    assert result.slots == {"onboarded": True}

    stored = reload(db_session, learner)
    assert stored.status == LearnerStatus.ACTIVE
    assert stored.pending_lesson_key == first.key
    assert stored.pending_question_key == first.questions[0].key
    assert stored.last_lesson_at == FIXED_NOW
    # The lesson asked for today counts: the next one is tomorrow at 19:00 Panama time.
    assert stored.next_lesson_at == datetime(2026, 3, 4, 0, 0)
    enrollment = db_session.scalars(select(Enrollment)).one()
    assert (enrollment.learner_id, enrollment.course_key) == (learner.id, "entrepreneurship")
    delivery = db_session.scalars(select(LessonDelivery)).one()
    assert (delivery.lesson_key, delivery.delivered_at) == (first.key, FIXED_NOW)


def test_finish_without_consent_says_how_to_come_back(db_session, domain):
    learner = add_learner(db_session, onboarded=False, language="en")
    slots = {"consent": False, "language": "en"}
    result = run(ActionFinishOnboarding(), tracker(learner, "no", slots=slots), domain)

    assert result.texts == [
        "No problem: you will not get lessons. If you change your mind, write HELLO."
    ]
    assert result.slots == {
        "consent": None,
        "course": None,
        "delivery_time": None,
        "delivery_days": None,
    }
    assert reload(db_session, learner).status == LearnerStatus.NEW
    assert db_session.scalars(select(Enrollment)).all() == []


@pytest.mark.parametrize(
    ("language", "days", "line", "next_lesson_at"),
    [
        # Monday 9:00 in Panama: lesson 1 now, the next on Wednesday at 19:00 (00:00 UTC).
        (
            "es",
            "1010100",
            "Tus lecciones llegarán a las 7:00 pm, estos días: lunes, miércoles y viernes.",
            datetime(2026, 3, 5, 0, 0),
        ),
        (
            "en",
            "1111100",
            "Your lessons will come at 7:00 PM, on these days: Monday to Friday.",
            datetime(2026, 3, 4, 0, 0),
        ),
        # Weekends only: the next lesson waits for Saturday.
        (
            "fr",
            "0000011",
            "Tes leçons arriveront à 19:00, ces jours-là : samedi et dimanche.",
            datetime(2026, 3, 8, 0, 0),
        ),
        (
            "ht",
            "0000011",
            "Leson ou yo ap vini a 19:00, jou sa yo: samdi ak dimanch.",
            datetime(2026, 3, 8, 0, 0),
        ),
    ],
)
def test_finish_confirms_the_days_and_schedules_the_next_lesson_on_one_of_them(
    db_session, domain, language, days, line, next_lesson_at
):
    learner = add_learner(
        db_session,
        onboarded=False,
        language=language,
        consent_at=FIXED_NOW,
        course_key="entrepreneurship",
        delivery_time="19:00",
        delivery_days=days,
    )
    slots = {"consent": True, "course": "entrepreneurship", "delivery_time": "19:00"}
    result = run(ActionFinishOnboarding(), tracker(learner, "1", slots=slots), domain)

    assert result.texts[0].splitlines()[1] == line
    assert [message["kind"] for message in result.messages[1:]] == ["lesson", "quiz"]
    assert reload(db_session, learner).next_lesson_at == next_lesson_at
