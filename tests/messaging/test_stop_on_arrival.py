"""STOP takes effect as it is stored: nothing but its confirmation goes out after it.

A loopback stand-in plays Rasa's REST channel (down, then answering as
action_opt_out does); the sender sends through the fake channel at the
provider's edge.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.messaging.inbound import InboundSms
from bot.messaging.ingest import store_inbound
from bot.messaging.pacer import Pacer
from bot.messaging.rasa_client import RasaClient
from bot.messaging.worker import run_sends_once, run_turns_once
from bot.models import InboundMessage, Learner, OutboxMessage
from bot.vocab import ChannelName, InboundStatus, LearnerStatus, OutboxStatus
from tests.builders import NOW, add_learner, add_outbox, inbound_form, new_sid, signed_post
from tests.fakes import Answer, FakeChannel, Recorded, StandInServer, closed_port_url, rasa_echo

NUMBER = "+50761234567"


def message(body: str) -> InboundSms:
    return InboundSms(new_sid(), ChannelName.SMS, NUMBER, body, 0, None)


@pytest.mark.parametrize(
    "body",
    ["STOP", "baja porfa", "ya no quiero recibir mensajes", "Arrêt SVP", "unsubscribe me",
     "mwen pa vle resevwa mesaj ankò", "sispann voye mesaj"],
)  # fmt: skip
def test_a_request_to_stop_opts_out_in_the_transaction_that_stores_it(
    db_session, settings, sessions, body
):
    add_learner(db_session, settings, number=NUMBER)

    with sessions() as session:
        assert store_inbound(session, message(body), settings, NOW)
        learner = session.scalars(select(Learner)).one()
        assert (learner.status, learner.opted_out_at) == (LearnerStatus.OPTED_OUT, NOW)
        session.rollback()  # the message is not stored: neither is the opt-out
        assert session.scalars(select(Learner)).one().status == LearnerStatus.ACTIVE

    with sessions() as session, session.begin():
        store_inbound(session, message(body), settings, NOW)
    db_session.expire_all()
    assert db_session.scalars(select(Learner)).one().status == LearnerStatus.OPTED_OUT


@pytest.mark.parametrize(
    "body", ["hola", "stop for a week", "no quiero darme de baja", "😀🙏", "?!…"]
)
def test_other_messages_leave_the_learner_as_they_were(db_session, settings, sessions, body):
    add_learner(db_session, settings, number=NUMBER)

    with sessions() as session, session.begin():
        assert store_inbound(session, message(body), settings, NOW)

    db_session.expire_all()
    assert db_session.scalars(select(Learner)).one().status == LearnerStatus.ACTIVE


def opt_out_confirmation(request: Recorded) -> Answer:
    """Rasa running action_opt_out for ``/stop``; anything else is echoed."""
    body = request.json()
    if body["message"] != "/stop":
        return rasa_echo(request)
    payload = {"text": "Ya no recibirás mensajes.", "kind": "opt_out", "allow_when_opted_out": True}
    return 200, [{"recipient_id": body["sender"], "custom": payload}], {}


def test_after_stop_nothing_but_its_confirmation_is_sent_even_while_rasa_is_down(
    client, db_session, settings, sessions
):
    learner = add_learner(db_session, settings, number=NUMBER)
    add_outbox(db_session, learner, "Lección 3", kind="lesson")  # queued before the STOP
    channel = FakeChannel()

    form = inbound_form("no more messages please", number=NUMBER)
    assert signed_post(client, settings, "/twilio/inbound", form).status_code == 200
    # Rasa is down: the STOP waits for its turn, but takes effect already.
    down = RasaClient(settings.with_overrides({"rasa.url": closed_port_url()}))
    assert run_turns_once(sessions, down, settings, NOW) == {"retry": 1}
    down.close()
    assert run_sends_once(sessions, channel, settings, Pacer(1000.0), NOW) == {"suppressed": 1}
    assert channel.sent == []

    with StandInServer(opt_out_confirmation) as rasa:
        up = RasaClient(settings.with_overrides({"rasa.url": rasa.url}))
        later = NOW.replace(minute=5)
        assert run_turns_once(sessions, up, settings, later) == {"answered": 1}
        up.close()
    run_sends_once(sessions, channel, settings, Pacer(1000.0), later)

    assert [request.json()["message"] for request in rasa.requests] == ["/stop"]
    # Spanish SMS go accent-free (sender.sms_accent_free_languages).
    assert [sent.body for _, sent in channel.sent] == ["Ya no recibiras mensajes."]
    db_session.expire_all()
    assert db_session.scalars(select(InboundMessage.status)).one() == InboundStatus.DONE
    statuses = db_session.scalars(select(OutboxMessage.status).order_by(OutboxMessage.id))
    assert list(statuses) == [OutboxStatus.FAILED, OutboxStatus.QUEUED]


def test_a_message_of_only_emoji_or_punctuation_goes_to_rasa_as_it_is(
    client, db_session, settings, sessions
):
    for body in ("😀🙏", "?!…"):
        form = inbound_form(body, number=NUMBER)
        assert signed_post(client, settings, "/twilio/inbound", form).status_code == 200

    with StandInServer(rasa_echo) as rasa:
        up = RasaClient(settings.with_overrides({"rasa.url": rasa.url}))
        assert run_turns_once(sessions, up, settings, NOW) == {"answered": 2}
        up.close()

    assert [request.json()["message"] for request in rasa.requests] == ["😀🙏", "?!…"]


def test_a_stop_rasa_never_answers_is_still_confirmed_when_given_up(
    client, db_session, settings, sessions
):
    settings = settings.with_overrides({"worker.outage_budget_seconds": 60})
    add_learner(db_session, settings, number=NUMBER, language="fr")
    form = inbound_form("ARRÊT", number=NUMBER)
    assert signed_post(client, settings, "/twilio/inbound", form).status_code == 200
    stored = db_session.scalars(select(InboundMessage)).one()
    channel = FakeChannel()

    down = RasaClient(settings.with_overrides({"rasa.url": closed_port_url()}))
    later = stored.received_at
    for _ in range(10):
        run_turns_once(sessions, down, settings, later)
        later += timedelta(seconds=30)
    down.close()
    run_sends_once(sessions, channel, settings, Pacer(1000.0), later)

    db_session.expire_all()
    assert db_session.get(InboundMessage, stored.id).status == InboundStatus.FAILED
    assert [sent.body for _, sent in channel.sent] == [
        "Tu ne recevras plus de messages. Pour revenir, écris COMMENCER. "
        "Pour effacer tes données, écris SUPPRIMER."
    ]


def test_messages_before_a_stop_that_rasa_never_answers_are_settled_without_a_notice(
    client, db_session, settings, sessions
):
    settings = settings.with_overrides({"worker.outage_budget_seconds": 60})
    add_learner(db_session, settings, number=NUMBER)
    for body in ("hola", "STOP"):
        form = inbound_form(body, number=NUMBER)
        assert signed_post(client, settings, "/twilio/inbound", form).status_code == 200
    channel = FakeChannel()

    down = RasaClient(settings.with_overrides({"rasa.url": closed_port_url()}))
    later = db_session.scalars(select(InboundMessage.received_at)).first()
    for _ in range(10):
        run_turns_once(sessions, down, settings, later)
        later += timedelta(seconds=30)
    down.close()
    run_sends_once(sessions, channel, settings, Pacer(1000.0), later)

    db_session.expire_all()
    hello, stop = db_session.scalars(select(InboundMessage).order_by(InboundMessage.id))
    assert hello.status == InboundStatus.DONE  # the learner may not be told: nothing goes
    assert hello.last_error.endswith("nothing sent: learner is opted_out")
    assert "outage budget" in hello.last_error
    assert stop.status == InboundStatus.FAILED
    assert [sent.body for _, sent in channel.sent] == [
        "Ya no recibiras mensajes. Para volver, escribe ALTA. Para borrar tus datos, "
        "escribe BORRAR."
    ]
