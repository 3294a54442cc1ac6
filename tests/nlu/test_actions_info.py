"""Greeting, help, FAQ, thanks and fallback; and that the action server loads every action."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import ActionExecutor

from bot.vocab import LearnerStatus
from nlu.actions.info import ActionFallback, ActionFaq, ActionGreet, ActionHelp, ActionThanks
from tests.nlu.helpers import add_learner, reload, run, tracker

pytestmark = pytest.mark.usefixtures("action_context")

MENU_ES = (
    "Escribe una de estas palabras:\n"
    "SIGUIENTE: tu próxima lección\n"
    "REPETIR: la lección otra vez\n"
    "PROGRESO: cómo vas\n"
    "HORA: cambiar la hora de tus lecciones\n"
    "ZONA: si te mudaste a otro país\n"
    "IDIOMA: cambiar el idioma\n"
    "PAUSA: tomar un descanso\n"
    "PERSONA: hablar con alguien del equipo\n"
    "BAJA: no recibir más mensajes\n"
    "BORRAR: borrar tus datos"
)


def test_action_server_registers_every_action_of_the_domain(domain):
    executor = ActionExecutor()
    executor.register_package("nlu.actions")

    assert set(domain["actions"]) <= set(executor.actions)


def test_greet_a_new_learner(db_session, domain):
    learner = add_learner(db_session, onboarded=False)
    result = run(ActionGreet(), tracker(learner, "hola", intent="greet"), domain)

    assert result.texts == [
        "¡Hola! Aquí recibes lecciones cortas y gratis por mensaje: "
        "cómo emprender un negocio y cuidarte en internet."
    ]
    assert result.events == []


def test_greet_a_known_learner_with_the_menu(db_session, domain):
    learner = add_learner(db_session, language="es")
    result = run(ActionGreet(), tracker(learner, "hola", intent="greet"), domain)

    assert result.texts == ["¡Hola de nuevo!\n" + MENU_ES]
    assert result.slots == {"onboarded": True}  # a lost tracker heals itself


def test_start_from_someone_who_left_during_onboarding(db_session, domain):
    learner = add_learner(db_session, onboarded=False, status=LearnerStatus.OPTED_OUT)
    result = run(ActionGreet(), tracker(learner, "ALTA", intent="start"), domain)

    assert result.messages[0]["allow_when_opted_out"] is True
    assert reload(db_session, learner).status == LearnerStatus.NEW


def test_help_shows_the_menu_in_the_learners_language(db_session, domain):
    learner = add_learner(db_session, language="es")
    result = run(ActionHelp(), tracker(learner, "menu", intent="help"), domain)

    assert result.texts == [MENU_ES]


def test_help_during_onboarding_is_short(db_session, domain):
    learner = add_learner(db_session, onboarded=False, language="en")
    turn = tracker(learner, "help", intent="help", active_loop="onboarding_form")

    result = run(ActionHelp(), turn, domain)

    assert result.texts == ["Let's finish signing you up first. You can write STOP at any time."]


@pytest.mark.parametrize(
    ("intent", "expected"),
    [
        ("faq_cost", "Las lecciones son gratis. Tu compañía de teléfono puede cobrarte lo de "
                     "siempre por SMS o datos."),
        ("faq_who", "Es un programa de la agencia de la ONU para las migraciones y de una "
                    "empresa de telecomunicaciones, con organizaciones aliadas que ayudan a "
                    "migrantes en Panamá."),
        ("faq_data", "Tu número se guarda cifrado y el personal no puede verlo. Guardamos tus "
                     "respuestas para mostrar tu progreso y borramos el texto de los mensajes "
                     "después de {days} días; nuestro proveedor de SMS puede guardar sus "
                     "propias copias más tiempo. Escribe BORRAR para borrarlo todo, también "
                     "las copias del proveedor."),
        ("faq_what", "Lecciones cortas por mensaje, a la hora que elijas: cómo empezar un "
                     "pequeño negocio y cómo cuidarte en internet. Cada una termina con una "
                     "pregunta rápida."),
    ],
)  # fmt: skip
def test_faq_answers(db_session, domain, settings, intent, expected):
    learner = add_learner(db_session, language="es")
    result = run(ActionFaq(), tracker(learner, "?", intent=intent), domain)

    assert result.texts == [expected.format(days=settings.app.message_retention_days)]


def test_thanks(db_session, domain):
    learner = add_learner(db_session, language="ht")
    result = run(ActionThanks(), tracker(learner, "mesi", intent="thanks"), domain)

    assert result.texts == ["Pa gen pwoblèm! Ekri MENI pou w wè sa ou ka fè."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("asdf qwerty", "Désolé, je n'ai pas compris. Écris MENU pour voir ce que tu peux faire."),
        ("", "Merci ! Je ne peux lire que du texte. Écris MENU pour voir ce que tu peux faire."),
        (
            "👍🙏",
            "Merci ! Je ne peux lire que du texte. Écris MENU pour voir ce que tu peux faire.",
        ),
    ],
)
def test_fallback_offers_the_menu(db_session, domain, text, expected):
    learner = add_learner(db_session, language="fr")
    result = run(ActionFallback(), tracker(learner, text, intent="nlu_fallback"), domain)

    assert result.texts == [expected]


def test_fallback_during_onboarding_lets_the_form_ask_again(db_session, domain):
    learner = add_learner(db_session, onboarded=False)
    turn = tracker(learner, "que?", intent="nlu_fallback", active_loop="onboarding_form")

    assert run(ActionFallback(), turn, domain).texts == ["Perdón, no entendí."]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("delivery_days", "Perdón, no entendí los días."),
        ("delivery_time", "Perdón, no entendí la hora."),
        ("course", "Perdón, no entendí."),
    ],
)
def test_fallback_during_onboarding_names_the_question_it_failed(
    db_session, domain, question, expected
):
    # "pizza" to the days question, read as a no: the learner hears which answer
    # was not understood, as the form's own check says it.
    learner = add_learner(db_session, onboarded=False)
    turn = tracker(
        learner,
        "pizza",
        intent="deny",
        active_loop="onboarding_form",
        slots={"requested_slot": question},
    )

    assert run(ActionFallback(), turn, domain).texts == [expected]


def test_an_unknown_sender_gets_nothing(domain):
    result = run(ActionHelp(), tracker("Lnobody", "menu", intent="help"), domain)

    assert result.messages == []
