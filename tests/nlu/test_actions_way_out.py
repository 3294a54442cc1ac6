"""The way out after a message that spoke of stopping but did not stop (nlu/actions/way_out.py)."""

from __future__ import annotations

import pytest

from bot.messaging.keywords import asks_to_stop
from bot.text.languages import LANGUAGES
from bot.text.menus import stop_keyword
from bot.vocab import LearnerStatus
from nlu.actions.account import ActionPause, ActionResume
from nlu.actions.info import ActionFallback, ActionHelp
from nlu.actions.privacy import ActionConfirmDelete, ActionOptIn
from nlu.actions.timezone import ActionChangeTimezone
from nlu.actions.way_out import reminded
from tests.nlu.helpers import add_learner, run, tracker

pytestmark = pytest.mark.usefixtures("action_context")

SORRY_ES = "Perdón, no entendí. Escribe MENU para ver lo que puedes hacer."
REMINDER = {
    "es": "Si ya no quieres recibir mensajes, escribe BAJA.",
    "en": "If you want no more messages, write STOP.",
    "fr": "Si tu ne veux plus recevoir de messages, écris STOP.",
    "ht": "Si ou pa vle resevwa mesaj ankò, ekri KANPE.",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_keyword_the_reminder_names_stops_the_messages(language):
    # The reminder is only worth sending if the word it names works.
    assert asks_to_stop(stop_keyword(language))
    assert stop_keyword(language) in REMINDER[language]


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "apaguen los mensajes porfa"),
        ("en", "please switch it off"),
        ("fr", "coupez l'envoi des messages"),
        ("ht", "ou mèt sispann kounya, m pa bezwen l"),
    ],
)
def test_a_stop_nlu_did_not_understand_gets_the_way_out_after_the_answer(
    db_session, domain, language, text
):
    learner = add_learner(db_session, language=language)
    result = run(ActionFallback(), tracker(learner, text, intent="nlu_fallback"), domain)

    assert len(result.texts) == 2
    assert result.texts[1] == REMINDER[language]
    assert result.messages[1]["kind"] == "reply"


def test_a_pause_worded_as_a_stop_also_hears_how_to_stop_for_good(db_session, domain):
    learner = add_learner(db_session, language="es")
    result = run(ActionPause(), tracker(learner, "paren las lecciones", intent="pause"), domain)

    assert result.texts == [
        "Tus lecciones están en pausa por 7 días. Escribe SEGUIR para volver antes.",
        REMINDER["es"],
    ]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("quiero aprender a vender empanadas", "out_of_scope"),  # no word of stopping
        ("no, no me den de baja", "nlu_fallback"),  # turned round
        ("me di de baja sin querer", "nlu_fallback"),  # coming back
        ("como cancelo un pago con tarjeta", "out_of_scope"),  # something else to stop
    ],
)
def test_no_reminder_where_the_message_did_not_ask_to_stop(db_session, domain, text, intent):
    learner = add_learner(db_session, language="es")
    result = run(ActionFallback(), tracker(learner, text, intent=intent), domain)

    assert result.texts == [SORRY_ES]


def test_no_reminder_when_the_answer_names_the_keyword_already(db_session, domain):
    learner = add_learner(db_session, language="es")
    # "terminar mi suscripción" read as START: the answer to a signed-up
    # learner says BAJA itself.
    start = run(ActionOptIn(), tracker(learner, "terminar mi suscripción", intent="start"), domain)
    # The menu lists BAJA.
    menu = run(ActionHelp(), tracker(learner, "paren, quiero el menú", intent="help"), domain)

    assert len(start.texts) == 1 and "BAJA" in start.texts[0]
    assert len(menu.texts) == 1 and "BAJA: no recibir más mensajes" in menu.texts[0]


def test_once_a_turn_whichever_action_answers_first(db_session, domain):
    learner = add_learner(db_session, language="es")
    earlier = {"event": "bot", "text": None, "data": {"custom": {"text": REMINDER["es"]}}}
    turn = tracker(learner, "apaguen los mensajes", intent="nlu_fallback", events_after=[earlier])

    assert run(ActionFallback(), turn, domain).texts == [SORRY_ES]


def test_no_reminder_to_a_learner_who_is_opted_out(db_session, domain):
    learner = add_learner(db_session, language="es", status=LearnerStatus.OPTED_OUT)
    result = run(ActionFallback(), tracker(learner, "apaguen los mensajes"), domain)

    assert REMINDER["es"] not in result.texts


@pytest.mark.parametrize(
    ("action", "language", "text", "intent"),
    [
        # Read as a new time zone, but the message also asks to stop outright.
        (
            ActionChangeTimezone(),
            "es",
            "me mudo a Chile el mes que viene, así que ya no me manden nada",
            "change_timezone",
        ),
        # Read as coming back, but "take me off the list" is the request.
        (
            ActionResume(),
            "en",
            "maybe I'll come back next year, for now take me off the list",
            "resume",
        ),
        (ActionResume(), "ht", "petèt m a tounen ane pwochen, men kounye a dezabone m", "resume"),
    ],
)
def test_an_answer_that_settles_the_rest_still_ends_with_the_way_out_when_asked_outright(
    db_session, domain, action, language, text, intent
):
    learner = add_learner(db_session, language=language)
    result = run(action, tracker(learner, text, intent=intent), domain)

    assert len(result.texts) >= 2
    assert result.texts[-1] == REMINDER[language]


@pytest.mark.parametrize(
    ("action", "text", "intent"),
    [
        # A new place, with the words of stopping but no request to stop.
        (ActionChangeTimezone(), "ya no estoy en Panamá, ahora vivo en Chile", "change_timezone"),
        # Coming back after an opt-out: the opposite of a request to stop.
        (
            ActionResume(),
            "me había dado de baja pero quiero volver a recibir las lecciones",
            "resume",
        ),
    ],
)
def test_no_reminder_after_a_settling_answer_without_an_outright_request(
    db_session, domain, action, text, intent
):
    learner = add_learner(db_session, language="es")
    result = run(action, tracker(learner, text, intent=intent), domain)

    assert REMINDER["es"] not in result.texts


def test_the_erasure_question_names_the_keyword_so_no_reminder_follows_it(db_session, domain):
    learner = add_learner(db_session, language="fr")
    text = "effacez mon numéro et arrêtez de m'écrire"
    result = run(ActionConfirmDelete(), tracker(learner, text, intent="delete_data"), domain)

    assert len(result.texts) == 1
    assert result.texts[0].endswith(
        "Pour ne plus recevoir de messages sans effacer tes données, écris STOP."
    )


# A reviewer's messages against the change that brought the way out after
# settling answers (2026-12-07), each one it got wrong at first.
@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # Leaving the pause or the lesson at hand is not leaving the course.
        ("quiero salirme de la pausa, ya estoy listo", "resume"),
        ("sácame de pausa ya, quiero seguir", "resume"),
        ("take me off of pause, I'm back", "resume"),
        ("Ya regresé, ya no me interesa la pausa, quiero seguir", "resume"),
        ("I'm done with this one, next lesson please", "next_lesson"),
        ("no quiero más de esta lección, mándame la siguiente", "next_lesson"),
        ("Ça suffit la pause, envoyez la leçon suivante", "next_lesson"),
        ("retire m nan poz", "resume"),
        # Words that leave something else.
        ("Profe, sáqueme de una duda: ¿se dice el agua o la agua?", "nlu_fallback"),
        ("¿Dónde voy para que me saquen el carnet de migración?", "out_of_scope"),
        ("Mwen fèk soti nan kou angle a, li te bon anpil", "change_language"),
        ("My friend will take me out tonight, how do I say that in Spanish?", "change_language"),
        ("La lección dice que no les manden mensajes a desconocidos, ¿verdad?", "nlu_fallback"),
        ("Is it ok to leave the classes early today? I'll finish tonight", "nlu_fallback"),
        ("cambié de teléfono y no quiero perderme mensajes", "nlu_fallback"),
    ],
)
def test_no_reminder_after_leaving_a_pause_a_lesson_or_something_else(text, intent):
    assert not reminded(text, intent)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("Please withdraw me from the programme. God bless you for the help", "thanks"),
        ("Sáquenme de la pausa y de la lista también, ya no quiero nada", "resume"),
        ("I don't want a pause, I want out completely. Unsubscribe me", "resume"),
        ("kindly take my number off", "nlu_fallback"),
        ("escribo por mi tía: ya no le manden mensajes", "nlu_fallback"),
        ("bonjou, m ta renmen soti nan tout bagay la, mesi", "greet"),
    ],
)
def test_a_request_to_leave_beside_a_pause_or_thanks_is_reminded(text, intent):
    assert reminded(text, intent)
