"""The way out after a message that spoke of stopping but did not stop, through the real
stack: NLU reads the pause, the action answers it, and the answer ends with the keyword
that stops, which then does (nlu/actions/way_out.py)."""

from __future__ import annotations

import pytest

from bot.vocab import LearnerStatus

pytestmark = pytest.mark.rasa

REMINDER = "Si ya no quieres recibir mensajes, escribe BAJA."


def test_a_pause_worded_as_a_stop_ends_with_the_way_out_and_the_way_out_works(new_phone) -> None:
    phone = new_phone()
    phone.onboard()  # Spanish, entrepreneurship, evening, every day

    # Read as a pause (a time span), not an opt-out: the learner stays signed up.
    replies = phone.say("paren las lecciones por dos semanas")

    assert len(replies) == 2
    assert "pausa por 14 d" in replies[0]  # "días" or, on SMS without accents, "dias"
    assert replies[1] == REMINDER
    with phone.sessions() as session:
        assert phone.learner(session).status == LearnerStatus.ACTIVE

    confirmation = phone.say("BAJA")

    assert len(confirmation) == 1 and "ALTA" in confirmation[0]
    with phone.sessions() as session:
        assert phone.learner(session).status == LearnerStatus.OPTED_OUT


def test_no_reminder_after_an_ordinary_question(new_phone) -> None:
    phone = new_phone()
    phone.onboard()

    replies = phone.say("cuanto cuesta esto")

    assert replies and not any("BAJA" in reply for reply in replies)
