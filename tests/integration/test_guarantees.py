"""Delivery guarantees through the real stack: retries, Rasa outages, bad
input, erasure. Each learner is new; Rasa and the actions are real."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from bot.clock import utc_now
from bot.db import make_engine
from bot.messaging.channels.local import LocalChannel
from bot.messaging.rasa_client import RasaClient
from bot.messaging.tracker_store import TrackerStore
from bot.models import InboundMessage, OutboxMessage
from bot.privacy.erasure_tasks import run_due_tasks
from bot.text.i18n import gettext_for
from bot.vocab import LearnerStatus
from tests.integration.conftest import free_port

pytestmark = pytest.mark.rasa

LANGUAGE_PROMPT = "Kreyòl"  # every language prompt lists the four languages


def onboard(phone, language_number: str = "1", yes: str = "si") -> None:  # type: ignore[no-untyped-def]
    """Join and finish onboarding (course 1, evening, every day), leaving lesson 1 delivered."""
    phone.onboard(language=language_number, yes=yes)


def test_same_message_sid_three_times_gives_one_turn(new_phone) -> None:
    phone = new_phone()
    sid = phone.post("hola")
    phone.post("hola", message_sid=sid)
    phone.post("hola", message_sid=sid)
    phone.work()

    replies = phone.received()
    assert len(replies) == 2  # a welcome, then the language question: once
    assert LANGUAGE_PROMPT in replies[1]
    with phone.sessions() as session:
        learner = phone.learner(session)
        assert (
            session.scalar(
                select(func.count())
                .select_from(InboundMessage)
                .where(InboundMessage.learner_id == learner.id)
            )
            == 1
        )
        keys = session.scalars(
            select(OutboxMessage.idempotency_key).where(OutboxMessage.learner_id == learner.id)
        )
        assert sorted(keys) == [f"{sid}:0", f"{sid}:1"]


def test_messages_wait_while_rasa_is_down_and_are_answered_in_order(new_phone, stack_settings):
    """Rasa "down" is a Rasa URL where nothing listens: the worker sees the same
    refused connection as when the server is stopped."""
    phone = new_phone()
    dead = RasaClient(
        stack_settings.with_overrides({"rasa.url": f"http://127.0.0.1:{free_port()}"})
    )
    try:
        phone.post("hola")
        phone.post("2")  # English
        phone.post("yes")
        phone.work(rasa=dead)
        assert phone.received() == []
        with phone.sessions() as session:
            assert phone.inbound_statuses(session) == ["pending", "pending", "pending"]
    finally:
        dead.close()

    # Rasa is back: the worker's backoff has pushed the retry into the future,
    # so move it to now as time passing would.
    with phone.sessions() as session:
        session.execute(text("UPDATE inbound_message SET next_attempt_at = NULL"))
        session.commit()
    phone.work()

    replies = phone.received()
    _ = gettext_for("en")
    # In order: welcome and language question, consent question, course question.
    assert LANGUAGE_PROMPT in replies[1]
    assert _("Do you agree?") in replies[2]
    assert _("Which course do you want to start?") in replies[3]
    assert len(replies) == 4
    with phone.sessions() as session:
        assert phone.all_answered(session)


# Replies that help a learner whose message the bot could not read as words.
HELPFUL = (
    "Sorry, I didn't understand. Write MENU to see what you can do.",
    "Thanks! I can only read text. Write MENU to see what you can do.",
    "Please answer with the number of an option.",
)


@pytest.mark.parametrize(
    ("body", "extra"),
    [
        pytest.param("", {}, id="empty"),
        pytest.param("🙂🙂🙂", {}, id="emoji-only"),
        pytest.param("", {"NumMedia": "1", "MediaContentType0": "image/jpeg"}, id="media-only"),
    ],
)
def test_odd_messages_get_a_helpful_reply_in_the_learners_language(new_phone, body, extra):
    phone = new_phone()
    onboard(phone, language_number="3", yes="oui")  # French
    reply = "\n".join(phone.say(body, **extra))
    _ = gettext_for("fr")
    assert any(_(msgid) in reply for msgid in HELPFUL), reply
    if extra.get("NumMedia"):
        assert _(HELPFUL[1]) in reply
    with phone.sessions() as session:
        assert phone.all_answered(session)


def test_a_2000_character_message_is_answered(new_phone) -> None:
    phone = new_phone()
    onboard(phone)
    replies = phone.say("no entiendo " * 180)
    assert replies, "a very long message must still get an answer"
    with phone.sessions() as session:
        assert phone.all_answered(session)


def test_erasure_removes_app_data_and_the_rasa_tracker(new_phone, stack_settings) -> None:
    phone = new_phone()
    onboard(phone)
    _ = gettext_for("es")
    assert _(
        "Erase all your data? Your progress will be lost. This cannot be undone."
    ) in "\n".join(phone.say("borrar mis datos"))
    reply = "\n".join(phone.say("si"))
    assert _("Your data has been erased and you will not get more messages. Take care!") in reply

    with phone.sessions() as session:
        learner = session.scalars(
            select(OutboxMessage.learner_id).order_by(OutboxMessage.id.desc())
        ).first()
        assert phone.learner(session) is None  # the number can no longer find anyone
        rows = session.execute(
            text("SELECT status, phone_encrypted, language FROM learner WHERE id = :id"),
            {"id": learner},
        ).one()
        assert rows.status == LearnerStatus.ERASED
        assert rows.phone_encrypted is None  # wiped once the confirmation was sent
        bodies = session.scalar(
            text(
                "SELECT count(*) FROM inbound_message WHERE learner_id = :id AND body IS NOT NULL"
            ),
            {"id": learner},
        )
        assert bodies == 0
        public_id = session.scalar(
            text("SELECT public_id FROM learner WHERE id = :id"), {"id": learner}
        )

    # The scheduler's job (every minute) deletes the tracker once the turn is over.
    store = TrackerStore(stack_settings.rasa.tracker_store_url)
    try:
        run_due_tasks(phone.sessions, store, LocalChannel(), utc_now())
    finally:
        store.close()
    tracker = make_engine(stack_settings.rasa.tracker_store_url)
    with tracker.connect() as connection:
        left = connection.scalar(
            text("SELECT count(*) FROM events WHERE sender_id = :id"), {"id": public_id}
        )
    tracker.dispose()
    assert left == 0

    # Writing again starts afresh, as a stranger.
    assert LANGUAGE_PROMPT in "\n".join(phone.say("hola"))
