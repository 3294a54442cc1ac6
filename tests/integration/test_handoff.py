"""A person in the loop, learner side, with the real Rasa server and action server, per language.

The learner asks for a person in their own words and is told when the team
answers; what they write next goes to the inbox, unanswered by the bot; a
staff reply (``bot.inbox.conversations.reply``, as the inbox page calls it)
reaches the phone; staff close; the learner is told the bot is back and the
bot answers again. Also: STOP and erasure during a hand-off, a new learner,
and the offer of a person after two messages the bot did not understand.
Staff pages are tested with the staff side of issue 14.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.clock import utc_now
from bot.db import session_scope
from bot.inbox import conversations, office_hours
from bot.inbox.desk import DESK
from bot.inbox.models import Conversation, ConversationStatus
from bot.messaging.handoff import hand_back_closed
from bot.settings import Settings
from bot.text.i18n import gettext_for
from bot.text.languages import LANGUAGES
from lessons import load_catalog
from nlu.actions.texts import day_names, format_clock

pytestmark = pytest.mark.rasa


@dataclass(frozen=True)
class Script:
    language: str
    yes: str
    ask: str  # a request for a person, in the learner's own words
    question: str  # for the team
    progress: str  # a normal message once the bot is back
    staff_reply: str
    by_scheduler: bool  # handed back by the scheduler's job, else before the next message


SCRIPTS = [
    Script("es", "si", "quiero hablar con una persona",
           "tengo una duda sobre mi permiso de trabajo", "quiero ver mi progreso",
           "Hola, soy Ana del equipo. ¿Qué permiso tienes?", True),
    Script("en", "yes", "talk to a human", "I have a question about my work permit",
           "how am I doing", "Hi, this is Ana from the team.", False),
    Script("fr", "oui", "je veux parler à quelqu'un",
           "j'ai une question sur mon permis de travail", "mes progres",
           "Bonjour, c'est Ana de l'équipe.", True),
    Script("ht", "wi", "mwen vle pale ak yon moun",
           "mwen gen yon kesyon sou pèmi travay mwen", "pwogre mwen",
           "Bonjou, se Ana nan ekip la.", False),
]  # fmt: skip


def joined(replies: list[str]) -> str:
    return "\n".join(replies)


def onboard(phone, script: Script) -> None:  # type: ignore[no-untyped-def]
    phone.onboard(language=str(LANGUAGES.index(script.language) + 1), yes=script.yes)
    phone.received()


def tracker_slot(settings: Settings, public_id: str, slot: str) -> Any:
    tracker = httpx.get(
        f"{settings.rasa.url}/conversations/{public_id}/tracker",
        params={"token": settings.rasa.token},
        timeout=10,
    ).json()
    return tracker["slots"].get(slot)


def acknowledgement(settings: Settings, language: str) -> str:
    """What the learner is told now: the team answers soon, or when office hours start."""
    _ = gettext_for(language)
    now = utc_now()
    if office_hours.is_open(now, settings):
        return _("OK! Someone from the team will answer you here soon.")
    opening = office_hours.next_opening(now, settings)
    return _("OK! Someone from the team will read your message on {day} at {time}.").format(
        day=day_names(language)[opening.weekday()],
        time=format_clock(f"{opening.hour:02d}:{opening.minute:02d}", language),
    )


def the_conversation(phone) -> Conversation | None:  # type: ignore[no-untyped-def]
    with phone.sessions() as session:
        return session.scalar(
            select(Conversation)
            .where(Conversation.learner_id == phone.learner_id)
            .order_by(Conversation.id.desc())
        )


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.language for s in SCRIPTS])
def test_a_learner_talks_with_the_team_then_with_the_bot_again(
    new_phone, stack_settings, script: Script
) -> None:
    phone = new_phone()
    lang = script.language
    _ = gettext_for(lang)
    onboard(phone, script)
    with phone.sessions() as session:
        public_id = phone.learner(session).public_id

    # The request in the learner's own words: the hand-off opens, and they know when.
    reply = joined(phone.say(script.ask))
    assert acknowledgement(stack_settings, lang) in reply
    assert _("Write your message here. The bot will not answer until the team is done.") in reply
    conversation = the_conversation(phone)
    assert conversation is not None and conversation.status == ConversationStatus.OPEN
    assert tracker_slot(stack_settings, public_id, "handoff_active") is True

    # Staff answer; the learner's next words go to the inbox, not to the bot.
    with session_scope(phone.sessions) as session:
        conversations.reply(
            session, conversation.id, None, script.staff_reply, "form-token-1", utc_now()
        )
    phone.work()
    assert phone.received() == [script.staff_reply]
    assert the_conversation(phone).waiting_since is None

    assert phone.say(script.question) == []
    noted = the_conversation(phone)
    assert noted.waiting_since is not None  # waiting for the team again
    with phone.sessions() as session:
        assert phone.all_answered(session)  # handled (DONE), not failed

    # Staff close: the learner is told the bot is back, and the bot answers again.
    with session_scope(phone.sessions) as session:
        conversations.close(session, conversation.id, None, utc_now())
    back = _(
        "The team has closed this conversation and the bot is back. "
        "Write MENU to see what you can do, or PERSON to talk to someone again."
    )
    if script.by_scheduler:
        assert hand_back_closed(phone.sessions, phone.rasa, DESK, utc_now())["resumed"] == 1
        phone.work()
        assert phone.received() == [back]
        reply = joined(phone.say(script.progress))
    else:
        replies = phone.say(script.progress)
        assert replies[0] == back
        reply = joined(replies[1:])
    course = load_catalog(stack_settings.lessons_path).course("entrepreneurship")
    assert _('Course: "{course}"').format(course=course.title[lang]) in reply  # progress
    assert the_conversation(phone).resumed_at is not None
    assert tracker_slot(stack_settings, public_id, "handoff_active") is False
    with phone.sessions() as session:
        assert phone.all_answered(session)


def test_stop_during_a_hand_off(new_phone, stack_settings) -> None:
    phone = new_phone()
    _ = gettext_for("es")
    onboard(phone, SCRIPTS[0])
    phone.say("PERSONA")
    with phone.sessions() as session:
        public_id = phone.learner(session).public_id

    reply = joined(phone.say("BAJA"))

    assert (
        _(
            "You will not get more messages. To come back, write START. "
            "To erase your data, write DELETE."
        )
        in reply
    )
    conversation = the_conversation(phone)
    assert conversation.status == ConversationStatus.CLOSED  # nobody can answer it now
    hand_back_closed(phone.sessions, phone.rasa, DESK, utc_now())
    phone.work()
    assert phone.received() == []  # taken back in silence
    assert the_conversation(phone).resumed_at is not None
    assert tracker_slot(stack_settings, public_id, "handoff_active") is False
    assert phone.say("hola, sigue ahí alguien?") == []


def test_erasure_during_a_hand_off(new_phone) -> None:
    phone = new_phone()
    _ = gettext_for("es")
    onboard(phone, SCRIPTS[0])
    phone.say("quiero hablar con una persona")
    assert the_conversation(phone) is not None

    assert _("Erase all your data? Your progress will be lost. This cannot be undone.") in joined(
        phone.say("BORRAR")
    )
    reply = joined(phone.say("si"))

    assert _("Your data has been erased and you will not get more messages. Take care!") in reply
    assert the_conversation(phone) is None


def test_a_new_learner_who_asks_for_a_person_signs_up_first(new_phone) -> None:
    phone = new_phone()
    _ = gettext_for("es")

    reply = joined(phone.say("quiero hablar con una persona"))

    assert (
        _(
            "Someone from the team can talk with you once you have signed up. "
            "Answer the questions first, then write PERSON."
        )
        in reply
    )
    assert "Kreyòl" in reply  # the language question: onboarding goes on
    with phone.sessions() as session:
        assert phone.learner(session) is not None
    assert the_conversation(phone) is None


def test_two_messages_not_understood_offer_a_person(new_phone) -> None:
    phone = new_phone()
    _ = gettext_for("es")
    onboard(phone, SCRIPTS[0])
    offer = _(
        "Sorry, I didn't understand. Write PERSON to talk to someone from the team, "
        "or MENU to see what you can do."
    )

    # Chat the bot cannot serve (out_of_scope), as in its training examples.
    assert offer not in joined(phone.say("jajaja"))
    assert offer in joined(phone.say("tengo hambre"))
    reply = joined(phone.say("PERSONA"))

    assert _("Write your message here. The bot will not answer until the team is done.") in reply
    assert the_conversation(phone).opened_by == "offer"
