"""The learner's settings by message: language, time, pause and resume."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from nlu.actions.account import (
    ActionChangeLanguage,
    ActionChangeTime,
    ActionPause,
    ActionResume,
)
from tests.nlu.helpers import FIXED_NOW, add_learner, reload, run, tracker

pytestmark = pytest.mark.usefixtures("action_context")


@pytest.mark.parametrize(
    ("text", "entity", "language", "confirmation"),
    [
        ("idioma ingles", "en", "en", "Done! From now on I will write to you in English."),
        ("langue français", "fr", "fr", "C'est fait ! Désormais, je t'écris en français."),
        ("lang kreyol", None, "ht", "Dakò! Apati kounye a, m ap ekri w an kreyòl."),
    ],
)
def test_language_changes_and_is_confirmed_in_the_new_one(
    db_session, domain, text, entity, language, confirmation
):
    learner = add_learner(db_session, language="es")
    entities = {"language": entity} if entity else None
    turn = tracker(learner, text, intent="change_language", entities=entities)

    result = run(ActionChangeLanguage(), turn, domain)

    assert result.texts == [confirmation]
    assert result.slots == {"language": language}
    assert reload(db_session, learner).language == language


def test_language_without_a_name_is_asked_for(db_session, domain):
    learner = add_learner(db_session, language="es")
    result = run(
        ActionChangeLanguage(), tracker(learner, "idioma", intent="change_language"), domain
    )

    assert result.texts == [
        "¿Qué idioma? Escribe IDIOMA y uno de estos: Español, English, Français, Kreyòl."
    ]
    assert reload(db_session, learner).language == "es"


@pytest.mark.parametrize(
    ("text", "entity", "saved", "shown", "next_at"),
    [
        # Monday 9:00 in Panama (UTC-5), no lesson yet today: the first slot from now.
        ("HORA 19", "19", "19:00", "7:00 pm", datetime(2026, 3, 3, 0, 0)),
        ("prefiero en la mañana", "en la mañana", "08:00", "8:00 am", datetime(2026, 3, 3, 13)),
        ("a las 6 y media de la tarde", None, "18:30", "6:30 pm", datetime(2026, 3, 2, 23, 30)),
    ],
)
def test_time_changes_and_the_next_lesson_moves(
    db_session, domain, text, entity, saved, shown, next_at
):
    learner = add_learner(db_session, language="es", delivery_time="12:00")
    entities = {"delivery_time": entity} if entity else None
    turn = tracker(learner, text, intent="change_time", entities=entities)

    result = run(ActionChangeTime(), turn, domain)

    assert result.texts == [f"¡Listo! Tus lecciones llegarán a las {shown}."]
    assert result.slots == {"delivery_time": saved}
    stored = reload(db_session, learner)
    assert (stored.delivery_time, stored.next_lesson_at) == (saved, next_at)


def test_a_time_that_cannot_be_read_is_asked_for_again(db_session, domain):
    learner = add_learner(db_session, language="en", delivery_time="12:00")
    result = run(ActionChangeTime(), tracker(learner, "change time", intent="change_time"), domain)

    assert result.texts == ['What time? Write TIME and the hour, like "TIME 7 pm".']
    assert reload(db_session, learner).delivery_time == "12:00"


@pytest.mark.parametrize(
    ("text", "days", "message"),
    [
        ("PAUSA 3", 3, "Tus lecciones están en pausa por 3 días."),
        ("pausa", 7, "Tus lecciones están en pausa por 7 días."),
        ("pausa 1", 1, "Tus lecciones están en pausa por 1 día."),
        ("estoy de viaje 2 semanas", 14, "Tus lecciones están en pausa por 14 días."),
    ],
)
def test_pause_for_some_days(db_session, domain, text, days, message):
    learner = add_learner(db_session, language="es")
    result = run(ActionPause(), tracker(learner, text, intent="pause"), domain)

    assert result.texts == [f"{message} Escribe SEGUIR para volver antes."]
    stored = reload(db_session, learner)
    assert stored.paused_until == FIXED_NOW + timedelta(days=days)
    # The pause ends by itself: the next lesson is the first slot after it.
    assert stored.next_lesson_at is not None
    assert stored.next_lesson_at >= stored.paused_until


def test_resume_ends_the_pause(db_session, domain):
    learner = add_learner(db_session, language="fr")
    run(ActionPause(), tracker(learner, "pause", intent="pause"), domain)

    result = run(ActionResume(), tracker(learner, "reprendre", intent="resume"), domain)

    assert result.texts == [
        "Content de te revoir ! Tes leçons arrivent à 19:00. "
        "Écris SUIVANT pour en recevoir une maintenant."
    ]
    stored = reload(db_session, learner)
    assert stored.paused_until is None
    assert stored.next_lesson_at == datetime(2026, 3, 3, 0, 0)  # today 19:00 in Panama


def test_resume_without_a_pause(db_session, domain):
    learner = add_learner(db_session, language="en")
    result = run(ActionResume(), tracker(learner, "resume", intent="resume"), domain)

    assert result.texts == ["Your lessons are on. Write NEXT for a lesson now."]
