"""The worker during a hand-off to staff: where a learner's message goes, and the bot's return.

A loopback server stands in for Rasa (as in test_worker.py): it answers
``/handoff_message`` as action_handoff_forward does (the ``handoff_forwarded``
payload) and ``trigger_intent`` with one message. What the real Rasa and the
actions do is in tests/integration/test_handoff.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.inbox import conversations
from bot.inbox.desk import DESK
from bot.inbox.models import Conversation, OpenedBy
from bot.messaging.handoff import (
    NO_HANDOFF,
    HandBack,
    HandoffState,
    hand_back,
    hand_back_closed,
)
from bot.messaging.keywords import HANDOFF_MESSAGE
from bot.messaging.rasa_client import RasaClient
from bot.messaging.replies import HANDOFF_FORWARDED, replies_from_rasa
from bot.messaging.worker import TurnRunner, run_turns_once
from bot.models import InboundMessage, Learner, OutboxMessage
from bot.services import Services
from bot.settings import Settings
from bot.vocab import InboundStatus
from scheduler.main import JOBS
from tests.builders import NOW, add_inbound, add_learner
from tests.fakes import Answer, Recorded, StandInServer, closed_port_url, rasa_echo


def rasa_with_handoff(request: Recorded) -> Answer:
    if request.path.endswith("/trigger_intent"):
        text = f"back: {request.json()['name']}"
        return 200, {"messages": [{"custom": {"text": text, "kind": "reply"}}]}, {}
    body = request.json()
    if body["message"] == HANDOFF_MESSAGE:
        return 200, [{"recipient_id": body["sender"], "custom": {"kind": HANDOFF_FORWARDED}}], {}
    return rasa_echo(request)


def sent(server: StandInServer) -> list[str]:
    """What reached Rasa, in order: each message's text, or the intent triggered."""
    return [
        f"trigger {request.json()['name']}"
        if request.path.endswith("/trigger_intent")
        else request.json()["message"]
        for request in server.requests
    ]


def open_conversation(session: Session, settings: Settings, learner: Learner) -> Conversation:
    opened = conversations.open_for_learner(session, learner.id, OpenedBy.LEARNER, NOW, settings)
    session.commit()
    return opened.conversation


def close(session: Session, conversation: Conversation) -> None:
    conversations.close(session, conversation.id, None, NOW)
    session.commit()


def rows(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_the_forwarded_payload_makes_no_reply():
    messages = [{"recipient_id": "x", "custom": {"kind": HANDOFF_FORWARDED}}]

    assert replies_from_rasa(messages) == []


def test_a_message_while_staff_have_the_conversation_is_not_answered(
    db_session, settings, sessions, rasa_at
):
    learner = add_learner(db_session, settings)
    open_conversation(db_session, settings, learner)
    message = add_inbound(db_session, learner, "tengo una pregunta sobre mi permiso")

    with StandInServer(rasa_with_handoff) as rasa:
        done = run_turns_once(sessions, rasa_at(rasa.url), settings, NOW, desk=DESK)

    assert done == {"answered": 1}
    assert sent(rasa) == [HANDOFF_MESSAGE]  # the words stay out of Rasa's tracker
    db_session.expire_all()
    assert db_session.get(InboundMessage, message.id).status == InboundStatus.DONE
    assert rows(db_session) == []


def test_an_empty_answer_is_still_a_failure_during_a_hand_off(
    db_session, settings, sessions, rasa_at
):
    learner = add_learner(db_session, settings)
    open_conversation(db_session, settings, learner)
    message = add_inbound(db_session, learner, "hola")

    with StandInServer(lambda request: (200, [], {})) as rasa:
        assert run_turns_once(sessions, rasa_at(rasa.url), settings, NOW, desk=DESK) == {"retry": 1}
    db_session.expire_all()
    assert db_session.get(InboundMessage, message.id).status == InboundStatus.PENDING


@pytest.mark.parametrize(
    ("typed", "reaches_rasa"),
    [
        ("STOP", "/stop"),
        ("ya no quiero recibir mensajes", "/stop"),
        ("ALTA", "/start"),
        ("BORRAR", "/delete_data"),
        ("efase", "/delete_data"),
        # Everything else is for the team, keywords of the bot's menu included.
        ("MENU", HANDOFF_MESSAGE),
        ("SIGUIENTE", HANDOFF_MESSAGE),
        ("ZONA", HANDOFF_MESSAGE),
        ("PERSONA", HANDOFF_MESSAGE),
        ("2", HANDOFF_MESSAGE),  # no quiz question pending: an answer to staff
        ("/greet", HANDOFF_MESSAGE),
        ("", HANDOFF_MESSAGE),  # a photo: staff see it in the inbox
    ],
)
def test_only_account_keywords_reach_the_bot_during_a_hand_off(
    db_session, settings, sessions, rasa_at, typed, reaches_rasa
):
    learner = add_learner(db_session, settings)
    open_conversation(db_session, settings, learner)
    add_inbound(db_session, learner, typed)

    with StandInServer(rasa_with_handoff) as rasa:
        run_turns_once(sessions, rasa_at(rasa.url), settings, NOW, desk=DESK)

    assert sent(rasa) == [reaches_rasa]


def test_a_quiz_answer_is_graded_while_lessons_go_on_during_a_hand_off(
    db_session, settings, sessions, rasa_at
):
    learner = add_learner(db_session, settings)
    learner.pending_lesson_key, learner.pending_question_key = "e1", "q1"
    db_session.commit()
    open_conversation(db_session, settings, learner)
    add_inbound(db_session, learner, "2")
    add_inbound(db_session, learner, "gracias, y lo de mi permiso?")

    with StandInServer(rasa_with_handoff) as rasa:
        run_turns_once(sessions, rasa_at(rasa.url), settings, NOW, desk=DESK)

    assert sent(rasa) == ['/choose_option{"option":"2"}', HANDOFF_MESSAGE]


def test_the_answer_to_the_erasure_question_reaches_the_bot(
    db_session, settings, sessions, rasa_at
):
    learner = add_learner(db_session, settings)
    open_conversation(db_session, settings, learner)
    for body in ("BORRAR", "si", "no"):
        add_inbound(db_session, learner, body)

    with StandInServer(rasa_with_handoff) as rasa:
        run_turns_once(sessions, rasa_at(rasa.url), settings, NOW, desk=DESK)

    # "si" answers the question; "no" comes after it, for the team.
    assert sent(rasa) == ["/delete_data", "si", HANDOFF_MESSAGE]


def resumed(session: Session, conversation: Conversation) -> None:
    conversations.resumed(session, conversation.id, NOW)
    session.commit()


# Each learner's conversations, in the order they happened: "open", "closed"
# (staff closed it, Rasa not told yet) or "resumed" (the bot took them back).
@pytest.mark.parametrize(
    ("history", "is_open", "to_resume"),
    [
        ([], False, None),
        (["open"], True, None),
        (["closed"], False, 0),
        (["resumed"], False, None),
        (["resumed", "open"], True, None),
        (["closed", "open"], True, 0),
        (["closed", "closed"], False, 0),  # the oldest goes back first
        (["resumed", "closed", "open"], True, 1),
    ],
)
def test_the_desk_tells_the_worker_whether_staff_have_the_learner_and_what_to_hand_back(
    db_session, settings, history, is_open, to_resume
):
    learner = add_learner(db_session, settings)
    other = add_learner(db_session, settings, number="+50769999999")
    open_conversation(db_session, settings, other)  # another learner's: never counted
    never = add_learner(db_session, settings, number="+50769999998")
    made = []
    for state in history:
        conversation = open_conversation(db_session, settings, learner)
        if state != "open":
            close(db_session, conversation)
        if state == "resumed":
            resumed(db_session, conversation)
        made.append(conversation.id)

    states = DESK.states(db_session, [learner.id, other.id, never.id])

    assert states[learner.id].open is is_open
    assert states[learner.id].to_resume == (None if to_resume is None else made[to_resume])
    assert states[other.id] == HandoffState(open=True, to_resume=None)
    assert states[never.id] == NO_HANDOFF


def test_the_worker_threads_route_each_learner_of_one_claim_by_their_own_hand_off(
    db_session, settings, sessions, rasa_at
):
    with_staff = add_learner(db_session, settings)
    open_conversation(db_session, settings, with_staff)
    with_bot = add_learner(db_session, settings, number="+50769999999")
    add_inbound(db_session, with_staff, "necesito ayuda con mi negocio")
    add_inbound(db_session, with_bot, "hola")

    with StandInServer(rasa_with_handoff) as rasa:
        runner = TurnRunner(sessions, rasa_at(rasa.url), settings, DESK)
        answered = 0
        for _ in range(100):
            answered += runner.step(NOW).get("answered", 0)
            if answered == 2:
                break
        runner.finish()

    assert answered == 2
    assert sorted(sent(rasa)) == sorted([HANDOFF_MESSAGE, "hola"])
    assert [row.body for row in rows(db_session)] == ["echo: hola"]


def test_after_staff_close_the_bot_takes_the_learner_back_before_their_next_message(
    db_session, settings, sessions, rasa_at
):
    learner = add_learner(db_session, settings)
    conversation = open_conversation(db_session, settings, learner)
    close(db_session, conversation)
    add_inbound(db_session, learner, "hola")
    add_inbound(db_session, learner, "SIGUIENTE")

    with StandInServer(rasa_with_handoff) as rasa:
        done = run_turns_once(sessions, rasa_at(rasa.url), settings, NOW, desk=DESK)

    assert done == {"answered": 2}
    assert sent(rasa) == ["trigger EXTERNAL_handoff_closed", "hola", "/next_lesson"]
    written = rows(db_session)
    assert [row.body for row in written] == [
        "back: EXTERNAL_handoff_closed",
        "echo: hola",
        "echo: /next_lesson",
    ]
    assert written[0].idempotency_key == f"handoff-resume:{conversation.id}:0"
    db_session.expire_all()
    assert db_session.get(Conversation, conversation.id).resumed_at == NOW


def test_a_hand_back_waits_while_rasa_is_down(db_session, settings, sessions, rasa_at):
    learner = add_learner(db_session, settings)
    conversation = open_conversation(db_session, settings, learner)
    close(db_session, conversation)
    message = add_inbound(db_session, learner, "hola")

    assert run_turns_once(sessions, rasa_at(closed_port_url()), settings, NOW, desk=DESK) == {
        "retry": 1
    }

    db_session.expire_all()
    assert db_session.get(Conversation, conversation.id).resumed_at is None
    assert db_session.get(InboundMessage, message.id).status == InboundStatus.PENDING
    assert rows(db_session) == []


def test_the_scheduler_takes_back_learners_who_do_not_write(
    db_session, settings, sessions, rasa_at
):
    learner = add_learner(db_session, settings)
    still_open = add_learner(db_session, settings, number="+50769999999")
    conversation = open_conversation(db_session, settings, learner)
    open_conversation(db_session, settings, still_open)
    close(db_session, conversation)

    with StandInServer(rasa_with_handoff) as rasa:
        client = rasa_at(rasa.url)
        first = hand_back_closed(sessions, client, DESK, NOW)
        again = hand_back_closed(sessions, client, DESK, NOW + timedelta(minutes=1))

    assert first == {"closed": 1, "resumed": 1, "replies": 1}
    assert again == {"closed": 0, "resumed": 0}
    assert sent(rasa) == ["trigger EXTERNAL_handoff_closed"]
    assert [(row.learner_id, row.body) for row in rows(db_session)] == [
        (learner.id, "back: EXTERNAL_handoff_closed")
    ]


def test_a_learner_is_taken_back_once_when_worker_and_scheduler_race(
    db_session, settings, sessions, rasa_at
):
    learner = add_learner(db_session, settings)
    conversation = open_conversation(db_session, settings, learner)
    close(db_session, conversation)
    # Both read the closed conversation before either recorded the hand-back.
    back = HandBack(conversation.id, learner.id, learner.public_id)

    with StandInServer(rasa_with_handoff) as rasa:
        client = rasa_at(rasa.url)
        written = [hand_back(sessions, client, DESK, back, NOW) for _ in range(2)]

    assert written == [1, 0]
    assert [row.body for row in rows(db_session)] == ["back: EXTERNAL_handoff_closed"]


def job(job_id: str):  # type: ignore[no-untyped-def]
    return next(body for name, body, _ in JOBS if name == job_id)


@pytest.mark.parametrize("pause", [False, True])
def test_lessons_and_reminders_during_a_hand_off_go_on_unless_the_setting_pauses_them(
    db_session, settings, pause
):
    talking = add_learner(db_session, settings)
    other = add_learner(db_session, settings, number="+50769999999")
    for learner in (talking, other):
        learner.course_key, learner.delivery_time = "entrepreneurship", "09:00"
        learner.timezone, learner.next_lesson_at = "America/Panama", NOW - timedelta(minutes=1)
        learner.pending_lesson_key, learner.pending_question_key = "e1", "q1"
        learner.question_asked_at = learner.last_inbound_at = NOW - timedelta(days=2)
    db_session.commit()
    open_conversation(db_session, settings, talking)

    with StandInServer(rasa_with_handoff) as rasa:
        job_settings = settings.with_overrides({"inbox.pause_lessons": pause, "rasa.url": rasa.url})
        services = Services.for_settings(job_settings)
        services.add(RasaClient(job_settings))
        try:
            lessons = job("deliver_due_lessons")(services, NOW)
            reminders = job("send_quiz_reminders")(services, NOW)
        finally:
            services.close()
        lessons_for = {request.path.split("/")[2] for request in rasa.requests}

    expected = {other.public_id} if pause else {other.public_id, talking.public_id}
    assert lessons_for == expected
    assert lessons["triggered"] == len(expected)
    assert reminders.get("reminded") == len(expected)
    reminded = {row.learner_id for row in rows(db_session) if row.kind == "reminder"}
    assert reminded == ({other.id} if pause else {other.id, talking.id})
