"""Days of the week by message, through the real NLU: "solo lunes a viernes" sets them."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.rasa


@pytest.mark.parametrize(
    ("text", "days"),
    [("solo lunes a viernes", "1111100"), ("lun mie vie", "1010100")],
)
def test_days_of_the_week_by_message(new_phone, text: str, days: str) -> None:
    phone = new_phone()
    phone.onboard()  # Spanish, entrepreneurship, evening, every day

    reply = "\n".join(phone.say(text))

    assert "Tus lecciones llegarán estos días" in reply
    with phone.sessions() as session:
        learner = phone.learner(session)
        assert learner.delivery_days == days
        assert learner.next_lesson_at is not None
