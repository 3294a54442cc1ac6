"""The time zone by message, through the real NLU and rules: the place, the keyword, the menu."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import func, select

from bot.learners.localtime import to_local
from bot.models import QuizAttempt

pytestmark = pytest.mark.rasa


def onboarded_phone(new_phone):
    """A Spanish learner with lessons at 7 pm; lesson 1 and its question are waiting."""
    phone = new_phone()
    phone.onboard()  # Spanish, entrepreneurship, evening, every day
    return phone


def quiz_answers(phone) -> int:
    with phone.sessions() as session:
        learner = phone.learner(session)
        return session.scalar(
            select(func.count())
            .select_from(QuizAttempt)
            .where(QuizAttempt.learner_id == learner.id)
        )


def assert_zone(phone, zone: str) -> None:
    with phone.sessions() as session:
        learner = phone.learner(session)
        assert learner.timezone == zone
        assert learner.next_lesson_at is not None
        # The preferred hour stays the same local hour in the new zone.
        assert to_local(learner.next_lesson_at, zone).time() == time(19, 0)


@pytest.mark.parametrize(
    ("text", "zone", "shown"),
    [
        ("estoy en Colombia", "America/Bogota", "Zona horaria: Colombia."),
        ("ZONA Costa Rica", "America/Costa_Rica", "Zona horaria: Costa Rica."),
    ],
)
def test_a_place_in_a_message_sets_the_zone(new_phone, text: str, zone: str, shown: str) -> None:
    phone = onboarded_phone(new_phone)

    reply = "\n".join(phone.say(text))

    assert shown in reply
    assert "Próxima lección: mañana a las 7:00 pm" in reply  # lesson 1 came today
    assert_zone(phone, zone)


def test_the_keyword_menu_takes_options_before_the_waiting_question(new_phone) -> None:
    phone = onboarded_phone(new_phone)

    menu = "\n".join(phone.say("ZONA"))
    assert "¿En qué país estás ahora?" in menu
    assert "7 México" in menu

    zones = "\n".join(phone.say("7"))
    assert "México tiene varias zonas horarias" in zones
    assert "2 Cancún" in zones

    # "2" answers the zone menu, not the quiz question still waiting.
    done = "\n".join(phone.say("2"))
    assert "Zona horaria: México (Cancún)." in done
    assert_zone(phone, "America/Cancun")
    assert quiz_answers(phone) == 0

    # With the menu closed, an option answers the quiz again.
    graded = "\n".join(phone.say("2"))
    assert "Zona horaria" not in graded
    assert quiz_answers(phone) == 1
    assert_zone(phone, "America/Cancun")
