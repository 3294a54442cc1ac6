"""The hand-off actions: asking for a person, messages for staff, the bot's return; the offer.

FIXED_NOW is a Monday, 9:00 in Panama: within the default office hours
(Monday to Friday, 8:00 to 17:00, America/Panama).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.inbox import conversations
from bot.inbox.models import Conversation, ConversationStatus, OpenedBy
from bot.privacy.erasure import erase_learner
from bot.vocab import LearnerStatus
from nlu.actions.handoff import ActionHandoffForward, ActionHandoffOpen, ActionHandoffResume
from nlu.actions.info import ActionFallback
from nlu.actions.privacy import ActionOptOut
from tests.nlu.helpers import FIXED_NOW, add_learner, reload, run, tracker

pytestmark = pytest.mark.usefixtures("action_context")

# Friday 18:00 in Panama: the team reads it on Monday at 8:00.
FRIDAY_EVENING = datetime(2026, 3, 6, 23, 0)

AFTER = {
    "es": "Escribe tu mensaje aquí. El bot no responderá hasta que el equipo termine.",
    "en": "Write your message here. The bot will not answer until the team is done.",
    "fr": "Écris ton message ici. Le bot ne répondra pas tant que l'équipe n'aura pas fini.",
    "ht": "Ekri mesaj ou isit la. Bot la p ap reponn jiskaske ekip la fini.",
}
FALLBACK = {"event": "action", "name": "action_fallback", "timestamp": 0.5}
EARLIER_MESSAGE = {"event": "user", "text": "asdf", "parse_data": {}, "timestamp": 0.4}


def learner_conversations(db_session, learner) -> list[Conversation]:  # type: ignore[no-untyped-def]
    db_session.rollback()
    db_session.expire_all()
    return list(
        db_session.scalars(select(Conversation).where(Conversation.learner_id == learner.id))
    )


def test_asking_for_a_person_in_office_hours(db_session, domain):
    learner = add_learner(db_session, language="es")
    turn = tracker(learner, "quiero hablar con una persona", intent="ask_human")

    result = run(ActionHandoffOpen(), turn, domain)

    assert result.texts == ["¡Listo! Alguien del equipo te responderá aquí pronto. " + AFTER["es"]]
    assert result.slots == {"handoff_active": True}
    [conversation] = learner_conversations(db_session, learner)
    assert conversation.status == ConversationStatus.OPEN
    assert conversation.opened_by == OpenedBy.LEARNER
    assert conversation.opened_in_office_hours is True
    assert conversation.waiting_since == FIXED_NOW
    assert conversation.note == "asked"


@pytest.mark.parametrize(
    ("language", "when"),
    [
        ("es", "¡Listo! Alguien del equipo leerá tu mensaje el lunes a las 8:00 am."),
        ("en", "OK! Someone from the team will read your message on Monday at 8:00 AM."),
        ("fr", "C'est noté ! Quelqu'un de l'équipe lira ton message lundi à 08:00."),
        ("ht", "Dakò! Yon moun nan ekip la ap li mesaj ou lendi a 08:00."),
    ],
)
def test_on_friday_evening_the_learner_is_told_monday_at_eight(
    db_session, domain, clock, language, when
):
    clock.now = FRIDAY_EVENING
    learner = add_learner(db_session, language=language)

    result = run(ActionHandoffOpen(), tracker(learner, "", intent="ask_human"), domain)

    assert result.texts == [when + " " + AFTER[language]]
    [conversation] = learner_conversations(db_session, learner)
    assert conversation.opened_in_office_hours is False
    assert conversation.note == "keyword"  # PERSONA, sent as /ask_human


def test_asking_twice_keeps_one_conversation(db_session, domain, clock):
    learner = add_learner(db_session, language="en")
    run(ActionHandoffOpen(), tracker(learner, "talk to a human", intent="ask_human"), domain)
    clock.now = FIXED_NOW + timedelta(minutes=5)

    run(ActionHandoffOpen(), tracker(learner, "hello??", intent="ask_human"), domain)

    assert len(learner_conversations(db_session, learner)) == 1


def test_a_person_after_the_bot_did_not_understand_is_an_accepted_offer(db_session, domain):
    learner = add_learner(db_session, language="es")
    turn = tracker(learner, "", intent="ask_human", events_before=[EARLIER_MESSAGE, FALLBACK])

    run(ActionHandoffOpen(), turn, domain)

    [conversation] = learner_conversations(db_session, learner)
    assert conversation.opened_by == OpenedBy.OFFER


@pytest.mark.parametrize("active_loop", [None, "onboarding_form"])
def test_a_new_learner_signs_up_first(db_session, domain, active_loop):
    learner = add_learner(db_session, onboarded=False, language="ht")
    words = "mwen vle pale ak yon moun"
    turn = tracker(learner, words, intent="ask_human", active_loop=active_loop)

    result = run(ActionHandoffOpen(), turn, domain)

    assert result.texts == [
        "Yon moun nan ekip la ka pale avè w lè w fin enskri. Reponn kesyon yo anvan, epi ekri MOUN."
    ]
    assert result.slots == {"handoff_active": False}
    assert learner_conversations(db_session, learner) == []


THANKS = {
    "es": "¡Gracias por presentarte! Escribe MENU para ver lo que puedes hacer.",
    "en": "Thanks for introducing yourself! Write MENU to see what you can do.",
    "fr": "Merci de te présenter ! Écris MENU pour voir ce que tu peux faire.",
    "ht": "Mèsi paske ou prezante w! Ekri MENI pou w wè sa ou ka fè.",
}


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("es", "me llamo Zoraida Quintero"),
        ("en", "hi, my name is Grace"),
        ("fr", "je m'appelle Mireille"),
        ("ht", "mwen rele Jameson"),
    ],
)
def test_a_name_read_as_asking_for_a_person_is_thanked_not_handed_over(
    db_session, domain, language, words
):
    learner = add_learner(db_session, language=language)
    result = run(ActionHandoffOpen(), tracker(learner, words, intent="ask_human"), domain)

    assert result.texts == [THANKS[language]]
    assert result.slots == {"handoff_active": False}
    assert learner_conversations(db_session, learner) == []


def test_a_name_while_signing_up_is_thanked_and_the_form_asks_again(db_session, domain):
    learner = add_learner(db_session, onboarded=False, language="es")
    turn = tracker(learner, "me llamo Zoraida", intent="ask_human", active_loop="onboarding_form")

    assert run(ActionHandoffOpen(), turn, domain).texts == ["¡Gracias por presentarte!"]


def test_a_name_with_a_request_for_a_person_goes_to_staff(db_session, domain):
    learner = add_learner(db_session, language="es")
    words = "me llamo Ana, quiero hablar con una persona"
    result = run(ActionHandoffOpen(), tracker(learner, words, intent="ask_human"), domain)

    assert result.slots == {"handoff_active": True}
    assert len(learner_conversations(db_session, learner)) == 1


def test_a_learner_who_said_stop_is_not_handed_over(db_session, domain):
    learner = add_learner(db_session, status=LearnerStatus.OPTED_OUT)

    result = run(ActionHandoffOpen(), tracker(learner, "", intent="ask_human"), domain)

    assert result.messages == []
    assert result.slots == {"handoff_active": False}
    assert learner_conversations(db_session, learner) == []


def test_a_message_for_staff_is_noted_and_not_answered(db_session, domain, settings, clock):
    learner = add_learner(db_session, language="es")
    run(ActionHandoffOpen(), tracker(learner, "", intent="ask_human"), domain)
    [conversation] = learner_conversations(db_session, learner)
    conversations.reply(db_session, conversation.id, None, "Hola, soy Ana", "token-1", FIXED_NOW)
    db_session.commit()
    clock.now = later = FIXED_NOW + timedelta(minutes=20)

    result = run(ActionHandoffForward(), tracker(learner, "/handoff_message"), domain)

    assert result.messages == [{"kind": "handoff_forwarded"}]
    assert result.slots == {"handoff_active": True}
    [conversation] = learner_conversations(db_session, learner)
    assert conversation.waiting_since == later  # waiting again, since this message
    assert conversation.last_learner_message_at == later


def test_a_message_forwarded_after_staff_closed_ends_the_hand_off_in_the_tracker(
    db_session, domain
):
    learner = add_learner(db_session, language="es")

    result = run(ActionHandoffForward(), tracker(learner, "/handoff_message"), domain)

    assert result.messages == [{"kind": "handoff_forwarded"}]
    assert result.slots == {"handoff_active": False}


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "El equipo cerró esta conversación y el bot está de vuelta. Escribe MENU para "
               "ver lo que puedes hacer, o PERSONA para hablar otra vez con alguien."),
        ("en", "The team has closed this conversation and the bot is back. Write MENU to see "
               "what you can do, or PERSON to talk to someone again."),
        ("fr", "L'équipe a fermé cette conversation et le bot est de retour. Écris MENU pour "
               "voir ce que tu peux faire, ou HUMAIN pour reparler à quelqu'un."),
        ("ht", "Ekip la fèmen konvèsasyon sa a, epi bot la tounen. Ekri MENU pou w wè sa w ka "
               "fè, oswa MOUN pou w pale ak yon moun ankò."),
    ],
)  # fmt: skip
def test_the_bot_is_back(db_session, domain, language, text):
    learner = add_learner(db_session, language=language)
    turn = tracker(learner, intent="EXTERNAL_handoff_closed", slots={"handoff_active": True})

    result = run(ActionHandoffResume(), turn, domain)

    assert result.texts == [text]
    assert result.slots == {"handoff_active": False}


def test_the_bot_takes_back_a_learner_who_said_stop_in_silence(db_session, domain):
    learner = add_learner(db_session, status=LearnerStatus.OPTED_OUT)
    turn = tracker(learner, intent="EXTERNAL_handoff_closed", slots={"handoff_active": True})

    result = run(ActionHandoffResume(), turn, domain)

    assert result.messages == []
    assert result.slots == {"handoff_active": False}


def test_stop_during_a_hand_off_closes_the_conversation_to_be_handed_back(db_session, domain):
    learner = add_learner(db_session, language="es")
    run(ActionHandoffOpen(), tracker(learner, "", intent="ask_human"), domain)

    run(ActionOptOut(), tracker(learner, "BAJA", intent="stop"), domain)

    assert reload(db_session, learner).status == LearnerStatus.OPTED_OUT
    [conversation] = learner_conversations(db_session, learner)
    assert conversation.status == ConversationStatus.CLOSED
    assert conversation.closed_at == FIXED_NOW
    assert conversation.waiting_since is None
    assert conversation.resumed_at is None  # the scheduler or the worker clears the slot
    assert conversations.not_handed_back(db_session, [learner.id]) == {
        learner.id: (False, conversation.id)
    }


def test_erasure_removes_the_learners_conversations(db_session, domain):
    learner = add_learner(db_session, language="es")
    run(ActionHandoffOpen(), tracker(learner, "", intent="ask_human"), domain)
    [conversation] = learner_conversations(db_session, learner)
    conversations.close(db_session, conversation.id, None, FIXED_NOW)
    db_session.commit()
    run(ActionHandoffOpen(), tracker(learner, "", intent="ask_human"), domain)
    assert len(learner_conversations(db_session, learner)) == 2

    erase_learner(db_session, reload(db_session, learner), FIXED_NOW)
    db_session.commit()

    assert learner_conversations(db_session, learner) == []


@pytest.mark.parametrize(
    ("events_before", "offered"),
    [
        ([], False),  # the first message not understood: the menu
        ([EARLIER_MESSAGE, FALLBACK], True),  # the second in a row: a person
        (  # an understood message in between resets the count
            [
                EARLIER_MESSAGE,
                FALLBACK,
                {"event": "user", "text": "menu", "parse_data": {}, "timestamp": 0.6},
                {"event": "action", "name": "action_help", "timestamp": 0.7},
            ],
            False,
        ),
    ],
)
def test_two_messages_not_understood_in_a_row_offer_a_person(
    db_session, domain, events_before, offered
):
    learner = add_learner(db_session, language="es")
    turn = tracker(learner, "qwerty", intent="nlu_fallback", events_before=events_before)

    result = run(ActionFallback(), turn, domain)

    assert result.texts == [
        "Perdón, no entendí. Escribe PERSONA para hablar con alguien del equipo, "
        "o MENU para ver lo que puedes hacer."
        if offered
        else "Perdón, no entendí. Escribe MENU para ver lo que puedes hacer."
    ]
