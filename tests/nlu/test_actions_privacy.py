"""STOP, START and erasure (asked first, confirmed, then done)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.models import Enrollment, InboundMessage, Learner, LessonDelivery, QuizAttempt
from bot.vocab import LearnerStatus
from nlu.actions.lessons_flow import ActionDeliverLesson, ActionGradeAnswer
from nlu.actions.privacy import (
    ActionCancelDelete,
    ActionConfirmDelete,
    ActionDeleteData,
    ActionOptIn,
    ActionOptOut,
)
from tests.builders import new_sid
from tests.nlu.helpers import FIXED_NOW, add_learner, reload, run, tracker

pytestmark = pytest.mark.usefixtures("action_context")

ASKED = [
    {"event": "action", "name": "action_confirm_delete", "timestamp": 0.5},
    {"event": "bot", "text": None, "timestamp": 0.6},
]


def count(db_session, model) -> int:  # type: ignore[no-untyped-def]
    return db_session.scalar(select(func.count()).select_from(model))


def test_stop_confirms_and_says_how_to_come_back(db_session, domain):
    learner = add_learner(db_session, language="es", next_lesson_at=FIXED_NOW)
    result = run(ActionOptOut(), tracker(learner, "BAJA", intent="stop"), domain)

    assert result.messages == [
        {
            "text": "Ya no recibirás mensajes. Para volver, escribe ALTA. "
            "Para borrar tus datos, escribe BORRAR.",
            "options": [],
            "kind": "opt_out",
            "allow_when_opted_out": True,
        }
    ]
    stored = reload(db_session, learner)
    assert (stored.status, stored.opted_out_at, stored.next_lesson_at) == (
        LearnerStatus.OPTED_OUT,
        FIXED_NOW,
        None,
    )


@pytest.mark.parametrize(
    ("language", "text", "answer"),
    [
        (
            "es",
            "no paren, manden la siguiente",
            "Perdón, no entendí. Escribe MENU para ver lo que puedes hacer. "
            "Si ya no quieres recibir mensajes, escribe BAJA.",
        ),
        (
            "en",
            "how do I stop a scammer from texting me?",
            "Sorry, I didn't understand. Write MENU to see what you can do. "
            "If you want no more messages, write STOP.",
        ),
    ],
)
def test_a_stop_nlu_read_in_a_message_that_asks_for_something_else_stops_nobody(
    db_session, domain, language, text, answer
):
    learner = add_learner(db_session, language=language, next_lesson_at=FIXED_NOW)
    result = run(ActionOptOut(), tracker(learner, text, intent="stop"), domain)

    assert result.texts == [answer]
    stored = reload(db_session, learner)
    assert (stored.status, stored.next_lesson_at) == (LearnerStatus.ACTIVE, FIXED_NOW)


def test_a_learner_already_out_is_told_again_how_to_come_back(db_session, domain):
    learner = add_learner(db_session, language="es")
    run(ActionOptOut(), tracker(learner, "/stop", intent="stop"), domain)

    text = "no paren, manden la siguiente"
    result = run(ActionOptOut(), tracker(learner, text, intent="stop"), domain)

    assert result.messages[0]["allow_when_opted_out"] is True
    assert "ALTA" in result.texts[0]
    assert reload(db_session, learner).status == LearnerStatus.OPTED_OUT


def test_the_reader_and_the_keyword_are_never_declined(db_session, domain):
    # They reach Rasa as "/stop"; the words behind them were read already.
    learner = add_learner(db_session, language="en")
    run(ActionOptOut(), tracker(learner, "/stop", intent="stop"), domain)
    assert reload(db_session, learner).status == LearnerStatus.OPTED_OUT


def test_start_after_stop(db_session, domain):
    learner = add_learner(db_session, language="en")
    run(ActionOptOut(), tracker(learner, "STOP", intent="stop"), domain)

    result = run(ActionOptIn(), tracker(learner, "START", intent="start"), domain)

    assert result.messages[0]["allow_when_opted_out"] is True
    assert result.texts == ["Welcome back! Your lessons come at 7:00 PM. Write NEXT for one now."]
    stored = reload(db_session, learner)
    assert (stored.status, stored.opted_out_at) == (LearnerStatus.ACTIVE, None)
    assert stored.next_lesson_at is not None


def test_start_when_already_signed_up(db_session, domain):
    learner = add_learner(db_session, language="es")
    result = run(ActionOptIn(), tracker(learner, "ALTA", intent="start"), domain)

    assert result.texts == [
        "Tu inscripción ya está activa. Escribe SIGUIENTE para recibir una lección ahora, "
        "o BAJA para no recibir más mensajes."
    ]


def test_delete_asks_first_and_offers_to_stop_the_messages_only(db_session, domain):
    learner = add_learner(db_session, language="ht")
    result = run(ActionConfirmDelete(), tracker(learner, "EFASE", intent="delete_data"), domain)

    assert result.messages == [
        {
            "text": "Efase tout done ou yo? W ap pèdi pwogrè ou. Ou pa ka defèt sa. "
            "Pou w pa resevwa mesaj ankò san efase done ou yo, ekri KANPE.",
            "options": ["Wi, efase", "Non, kenbe yo"],
            "kind": "reply",
            "allow_when_opted_out": True,
        }
    ]
    assert reload(db_session, learner).status == LearnerStatus.ACTIVE


def test_a_learner_who_gets_no_messages_is_only_asked_about_erasure(db_session, domain):
    learner = add_learner(db_session, language="es", status=LearnerStatus.OPTED_OUT)
    result = run(ActionConfirmDelete(), tracker(learner, "BORRAR", intent="delete_data"), domain)

    assert result.texts == ["¿Borrar todos tus datos? Perderás tu progreso. No se puede deshacer."]


def learner_with_history(db_session, domain) -> Learner:  # type: ignore[no-untyped-def]
    learner = add_learner(db_session, language="es", profile_name="Ana")
    run(ActionDeliverLesson(), tracker(learner, "siguiente", intent="next_lesson"), domain)
    run(ActionGradeAnswer(), tracker(learner, "1", intent="choose_option"), domain)
    db_session.add(
        InboundMessage(
            message_sid=new_sid(),
            learner_id=learner.id,
            channel="sms",
            body="mi mensaje",
            received_at=FIXED_NOW,
        )
    )
    db_session.commit()
    return learner


@pytest.mark.parametrize(
    ("text", "intent"), [("1", "choose_option"), ("si", "affirm"), ("Sí, borrar", "affirm")]
)
def test_yes_erases_the_learners_data(db_session, domain, text, intent):
    learner = learner_with_history(db_session, domain)
    turn = tracker(learner, text, intent=intent, events_before=ASKED)

    result = run(ActionDeleteData(), turn, domain)

    assert result.messages == [
        {
            "text": "Tus datos fueron borrados y no recibirás más mensajes. ¡Cuídate!",
            "options": [],
            "kind": "erasure",
            "allow_when_opted_out": True,
        }
    ]
    stored = reload(db_session, learner)
    assert stored.status == LearnerStatus.ERASED
    assert (stored.phone_hash, stored.profile_name, stored.language, stored.course_key) == (
        None,
        None,
        None,
        None,
    )
    assert stored.phone_encrypted == "encrypted-number"  # wiped once the reply is sent
    for model in (QuizAttempt, LessonDelivery, Enrollment):
        assert count(db_session, model) == 0
    assert db_session.scalars(select(InboundMessage.body)).all() == [None]


@pytest.mark.parametrize(("text", "intent"), [("2", "choose_option"), ("mejor no", "deny")])
def test_anything_but_yes_cancels(db_session, domain, text, intent):
    learner = learner_with_history(db_session, domain)
    turn = tracker(learner, text, intent=intent, events_before=ASKED)

    result = run(ActionDeleteData(), turn, domain)

    assert result.texts == ["Bien, no se borró nada."]
    assert reload(db_session, learner).status == LearnerStatus.ACTIVE
    assert count(db_session, QuizAttempt) == 1


def test_nothing_is_erased_without_the_question_first(db_session, domain):
    learner = learner_with_history(db_session, domain)
    result = run(ActionDeleteData(), tracker(learner, "si", intent="affirm"), domain)

    assert result.texts == ["Bien, no se borró nada."]
    assert reload(db_session, learner).status == LearnerStatus.ACTIVE


def test_a_replayed_erasure_turn_confirms_again(db_session, domain):
    learner = learner_with_history(db_session, domain)
    turn = tracker(learner, "1", intent="choose_option", events_before=ASKED)
    first = run(ActionDeleteData(), turn, domain)

    assert run(ActionDeleteData(), turn, domain).messages == first.messages


def test_cancel(db_session, domain):
    learner = add_learner(db_session, language="fr")
    result = run(ActionCancelDelete(), tracker(learner, "non", intent="deny"), domain)

    assert result.texts == ["D'accord, rien n'a été effacé."]
