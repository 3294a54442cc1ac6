"""Days of the week by message, in the change-time action: saved, rescheduled, confirmed."""

from __future__ import annotations

from datetime import datetime

import pytest

from nlu.actions.account import ActionChangeTime
from tests.nlu.helpers import add_learner, reload, run, tracker

pytestmark = pytest.mark.usefixtures("action_context")

# The clock: Monday 2026-03-02, 09:00 in Panama. The learner's lessons are at 19:00.
# case, text, language, days saved, time saved, next lesson (UTC), confirmation
CHANGES = [
    ("weekdays only", "solo lunes a viernes", "es", "1111100", "19:00",
     datetime(2026, 3, 3, 0, 0),
     "¡Listo! Tus lecciones llegarán estos días: de lunes a viernes."),
    ("weekends: the first slot is Saturday", "weekends", "en", "0000011", "19:00",
     datetime(2026, 3, 8, 0, 0),
     "Done! Your lessons will come on these days: Saturday and Sunday."),
    ("short names and a time", "lun mer ven à 8h", "fr", "1010100", "08:00",
     datetime(2026, 3, 4, 13, 0),
     "C'est fait ! Tes leçons arriveront à 08:00, ces jours-là : lundi, mercredi et vendredi."),
    ("every day again", "chak jou", "ht", "1111111", "19:00",
     datetime(2026, 3, 3, 0, 0),
     "Dakò! Leson ou yo ap vini chak jou."),
    ("a time only keeps the days", "HORA 8", "es", "0101000", "08:00",
     datetime(2026, 3, 3, 13, 0),
     "¡Listo! Tus lecciones llegarán a las 8:00 am."),
]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "language", "days", "time", "next_at", "confirmation"),
    [case[1:] for case in CHANGES],
    ids=[case[0] for case in CHANGES],
)
def test_days_and_time_by_message(
    db_session, domain, text, language, days, time, next_at, confirmation
):
    learner = add_learner(db_session, language=language, delivery_days="0101000")

    result = run(ActionChangeTime(), tracker(learner, text, intent="change_time"), domain)

    assert result.texts == [confirmation]
    stored = reload(db_session, learner)
    assert (stored.delivery_days, stored.delivery_time) == (days, time)
    assert stored.next_lesson_at == next_at


def test_neither_a_day_nor_a_time_is_asked_for(db_session, domain):
    learner = add_learner(db_session, delivery_days="1111100")

    result = run(ActionChangeTime(), tracker(learner, "cambiar", intent="change_time"), domain)

    assert result.texts == ['¿A qué hora? Escribe HORA y la hora, por ejemplo "HORA 7 pm".']
    assert reload(db_session, learner).delivery_days == "1111100"
