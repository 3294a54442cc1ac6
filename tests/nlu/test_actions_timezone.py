"""ZONE by message: a place or a menu option sets the zone; the next lesson keeps its local hour.

FIXED_NOW is Monday 2026-03-02 14:00 UTC (9:00 in Panama); every learner here
wants lessons at 19:00 local time. No zone in the table has daylight saving
in early March except the United States (from 2026-03-08) and Chile.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.text.render import Message, render
from bot.text.sms import analyse
from bot.vocab import LearnerStatus
from nlu.actions.timezone import MENU_SLOT, ActionChangeTimezone
from tests.nlu.helpers import FIXED_NOW, Result, add_learner, reload, run, tracker

pytestmark = pytest.mark.usefixtures("action_context")

COUNTRIES_ES = [
    "Panamá", "Colombia", "Venezuela", "Costa Rica", "Nicaragua", "Haití", "México",
    "Estados Unidos",
]  # fmt: skip


def change(learner, text, domain, *, option=None, menu=None) -> Result:
    """Run the action for a message, or for an option answered to the open menu."""
    if option is not None:
        turn = tracker(
            learner,
            '/choose_option{"option":"' + option + '"}',
            intent="choose_option",
            entities={"option": option},
            slots={MENU_SLOT: menu, "onboarded": True},
        )
    else:
        turn = tracker(learner, text, intent="change_timezone", slots={"onboarded": True})
    return run(ActionChangeTimezone(), turn, domain)


@pytest.mark.parametrize(
    ("text", "language", "zone", "reply", "next_at"),
    [
        # Bogota is UTC-5 like Panama: today 19:00 is the same moment.
        ("estoy en Colombia", "es", "America/Bogota",
         "¡Listo! Zona horaria: Colombia. Próxima lección: hoy a las 7:00 pm.",
         datetime(2026, 3, 3, 0, 0)),
        # Caracas is UTC-4: 19:00 there is an hour earlier in UTC.
        ("ZONA Venezuela", "es", "America/Caracas",
         "¡Listo! Zona horaria: Venezuela. Próxima lección: hoy a las 7:00 pm.",
         datetime(2026, 3, 2, 23, 0)),
        ("I moved to Miami", "en", "America/New_York",
         "Done! Time zone: United States (New York, Miami). Next lesson: today at 7:00 PM.",
         datetime(2026, 3, 3, 0, 0)),
        ("je suis au Costa Rica", "fr", "America/Costa_Rica",
         "C'est fait ! Fuseau horaire : Costa Rica. Prochaine leçon : aujourd'hui à 19:00.",
         datetime(2026, 3, 3, 1, 0)),
        ("mwen Meksik, Tapachula", "ht", "America/Mexico_City",
         "Dakò! Zòn lè: Meksik (Vil Meksik, Tapachula). Pwochen leson: jodi a a 19:00.",
         datetime(2026, 3, 3, 1, 0)),
        ("I'm in Los Angeles", "en", "America/Los_Angeles",
         "Done! Time zone: United States (Los Angeles). Next lesson: today at 7:00 PM.",
         datetime(2026, 3, 3, 3, 0)),
    ],
)  # fmt: skip
def test_a_place_sets_the_zone_and_the_next_lesson_keeps_its_local_hour(
    db_session, domain, text, language, zone, reply, next_at
):
    learner = add_learner(db_session, language=language, timezone="America/Panama")

    result = change(learner, text, domain)

    assert result.texts == [reply]
    assert result.slots == {MENU_SLOT: None}
    stored = reload(db_session, learner)
    assert (stored.timezone, stored.next_lesson_at) == (zone, next_at)


def test_after_todays_lesson_the_next_one_is_tomorrow(db_session, domain):
    learner = add_learner(db_session, last_lesson_at=FIXED_NOW - timedelta(hours=1))

    result = change(learner, "ahora estoy en Guatemala", domain)  # UTC-6

    assert result.texts == [
        "¡Listo! Zona horaria: Guatemala. Próxima lección: mañana a las 7:00 pm."
    ]
    assert reload(db_session, learner).next_lesson_at == datetime(2026, 3, 4, 1, 0)


def test_on_chosen_days_the_next_lesson_names_its_day(db_session, domain):
    learner = add_learner(db_session, language="fr", delivery_days="0001000")  # Thursdays

    result = change(learner, "je suis en Haïti", domain)

    assert result.texts == ["C'est fait ! Fuseau horaire : Haïti. Prochaine leçon : jeudi à 19:00."]
    # Port-au-Prince is UTC-5 until 2026-03-08.
    assert reload(db_session, learner).next_lesson_at == datetime(2026, 3, 6, 0, 0)


def test_a_paused_learner_gets_the_zone_and_no_lesson(db_session, domain):
    learner = add_learner(db_session, status=LearnerStatus.PAUSED)

    result = change(learner, "estoy en Costa Rica", domain)

    assert result.texts == ["¡Listo! Zona horaria: Costa Rica."]
    stored = reload(db_session, learner)
    assert (stored.timezone, stored.next_lesson_at) == ("America/Costa_Rica", None)


def test_the_keyword_alone_shows_the_country_menu_then_an_option_sets_it(db_session, domain):
    learner = add_learner(db_session)

    menu = change(learner, "/change_timezone", domain)

    assert menu.messages[0]["text"] == "¿En qué país estás ahora?"
    assert menu.messages[0]["options"] == COUNTRIES_ES
    assert menu.slots == {MENU_SLOT: "countries"}

    chosen = change(learner, "", domain, option="2", menu="countries")

    assert chosen.texts == ["¡Listo! Zona horaria: Colombia. Próxima lección: hoy a las 7:00 pm."]
    assert reload(db_session, learner).timezone == "America/Bogota"


def test_a_country_with_several_zones_asks_which_then_an_option_sets_it(db_session, domain):
    learner = add_learner(db_session)

    country = change(learner, "", domain, option="7", menu="countries")  # México

    assert country.messages[0]["text"] == ("México tiene varias zonas horarias. ¿Cuál es la tuya?")
    assert country.messages[0]["options"] == [
        "Ciudad de México, Tapachula", "Cancún", "Ciudad Juárez", "Tijuana",
    ]  # fmt: skip
    assert country.slots == {MENU_SLOT: "MX"}
    assert reload(db_session, learner).timezone == "America/Panama"

    zone = change(learner, "", domain, option="2", menu="MX")

    assert zone.texts == [
        "¡Listo! Zona horaria: México (Cancún). Próxima lección: hoy a las 7:00 pm."
    ]
    stored = reload(db_session, learner)
    assert (stored.timezone, stored.next_lesson_at) == ("America/Cancun", datetime(2026, 3, 3))


def test_anywhere_a_country_with_several_times_asks_by_city(db_session, domain):
    learner = add_learner(db_session)

    country = change(learner, "ZONA España", domain)

    assert country.messages[0]["text"] == "España tiene varias zonas horarias. ¿Cuál es la tuya?"
    assert country.messages[0]["options"] == ["Madrid", "Canarias"]
    assert country.slots == {MENU_SLOT: "ES"}

    zone = change(learner, "", domain, option="2", menu="ES")

    assert zone.texts[0].startswith("¡Listo! Zona horaria: España (Canarias). Próxima lección:")
    assert reload(db_session, learner).timezone == "Atlantic/Canary"


def test_anywhere_a_country_with_one_time_sets_it_at_once(db_session, domain):
    learner = add_learner(db_session, language="en")

    result = change(learner, "I moved to Japan", domain)

    assert result.texts[0].startswith("Done! Time zone: Japan. Next lesson:")
    assert reload(db_session, learner).timezone == "Asia/Tokyo"


def test_a_country_named_in_creole_gets_its_zones_in_creole(db_session, domain):
    learner = add_learner(db_session, language="ht")

    result = change(learner, "mwen nan Chili kounye a", domain)

    assert result.messages[0]["text"] == "Chili gen plizyè zòn lè. Kiyès ki pa w?"
    assert result.messages[0]["options"] == ["Santiago", "Punta Arenas", "Zile Pak"]
    assert result.slots == {MENU_SLOT: "CL"}


def test_a_number_outside_the_menu_shows_it_again(db_session, domain):
    learner = add_learner(db_session)

    result = change(learner, "", domain, option="9", menu="countries")

    assert result.messages[0]["text"] == (
        "Por favor, responde con el número de una opción. ¿En qué país estás ahora?"
    )
    assert result.messages[0]["options"] == COUNTRIES_ES
    assert reload(db_session, learner).timezone == "America/Panama"


@pytest.mark.parametrize(
    ("text", "language", "reply"),
    [
        (
            "je suis en Atlantide",
            "fr",
            "Je ne connais pas cet endroit. Dans quel pays es-tu maintenant ?",
        ),
        ("mwen nan Narnia", "ht", "Mwen pa konnen kote sa a. Nan ki peyi ou ye kounye a?"),
        ("I moved to Atlantis", "en", "I don't know that place. Which country are you in now?"),
        ("cambiar zona horaria", "es", "¿En qué país estás ahora?"),
    ],
)
def test_an_unknown_place_gets_the_menu_in_the_learners_language(
    db_session, domain, text, language, reply
):
    learner = add_learner(db_session, language=language)

    result = change(learner, text, domain)

    assert result.texts == [reply]
    assert len(result.messages[0]["options"]) == 8
    assert reload(db_session, learner).timezone == "America/Panama"


@pytest.mark.parametrize("language", ["es", "en", "fr", "ht"])
@pytest.mark.parametrize(
    ("text", "option", "menu"),
    [
        ("estoy en Narnia", None, None),
        ("", "8", "countries"),
        ("", "1", "US"),
    ],
)
def test_the_replies_fit_in_three_sms(db_session, domain, language, text, option, menu):
    learner = add_learner(db_session, language=language)

    result = change(learner, text, domain, option=option, menu=menu)

    for payload in result.messages:
        message = Message(payload["text"], tuple(payload["options"]))
        assert analyse(render(message, "sms", language)).segments <= 3
