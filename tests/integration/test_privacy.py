"""What Rasa keeps of a learner, read from Rasa's own database: after the
retention purge and after an erasure. Rasa, its model and the actions are real."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from bot.clock import utc_now
from bot.db import make_engine, session_scope
from bot.messaging.channels.local import LocalChannel
from bot.messaging.tracker_store import TrackerStore
from bot.models import InboundMessage, Learner, OutboxMessage
from bot.privacy.erasure_tasks import run_due_tasks
from bot.privacy.retention import purge_message_bodies, purge_tracker_events
from bot.settings import Settings
from bot.text.i18n import gettext_for
from tests.integration.conftest import RasaStack

pytestmark = pytest.mark.rasa

LANGUAGE_PROMPT = "Kreyòl"  # every language prompt lists the four languages
WORDS = "me llamo Zoraida Quintero"


def tracker_text(settings: Settings) -> str:
    """Everything in Rasa's tracker store, as text."""
    engine = make_engine(settings.rasa.tracker_store_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT sender_id, type_name, data FROM events"))
            return "\n".join(" ".join(str(value) for value in row) for row in rows)
    finally:
        engine.dispose()


def age_everything(phone, settings: Settings, public_id: str, days: int) -> None:  # type: ignore[no-untyped-def]
    """Move the learner's whole history ``days`` back, in the app and in Rasa's tracker."""
    engine = make_engine(settings.rasa.tracker_store_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE events SET timestamp = timestamp - :seconds WHERE sender_id = :id"),
                {"seconds": days * 86400, "id": public_id},
            )
    finally:
        engine.dispose()
    with session_scope(phone.sessions) as session:
        learner = phone.learner(session)
        back = timedelta(days=days)
        session.execute(
            update(InboundMessage)
            .where(InboundMessage.learner_id == learner.id)
            .values(received_at=InboundMessage.received_at - back)
        )
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.learner_id == learner.id)
            .values(created_at=OutboxMessage.created_at - back)
        )


def test_after_the_purge_rasa_keeps_no_old_text_and_still_knows_the_learner(
    new_phone, stack_settings: Settings
) -> None:
    phone = new_phone()
    phone.onboard()
    phone.say(WORDS)
    with phone.sessions() as session:
        public_id = phone.learner(session).public_id
    assert WORDS in tracker_text(stack_settings)
    old_sids = list(phone.sent_sids)
    age_everything(phone, stack_settings, public_id, stack_settings.app.message_retention_days + 1)

    now = utc_now()
    with session_scope(phone.sessions) as session:
        purge_message_bodies(session, stack_settings, now)
    tracker = TrackerStore(stack_settings.rasa.tracker_store_url)
    try:
        purged = purge_tracker_events(tracker, stack_settings, now)
    finally:
        tracker.close()

    assert purged["tracker_events_purged"] > 0
    stored = tracker_text(stack_settings)
    assert public_id not in stored
    assert WORDS not in stored and "Zoraida" not in stored
    for sid in old_sids:
        assert sid not in stored
    # Rasa lost the whole conversation, and the learner is still known: no onboarding again.
    _ = gettext_for("es")
    reply = "\n".join(phone.say("ayuda"))
    assert _("Welcome back!") in reply
    assert LANGUAGE_PROMPT not in reply


def test_after_an_erasure_rasa_and_the_app_keep_no_text_and_no_id_of_the_learner(
    new_phone, stack_settings: Settings
) -> None:
    # Erasures by earlier tests of the session (one during a hand-off, say)
    # left tasks of their own: run them first, so that the count below is this learner's.
    earlier = TrackerStore(stack_settings.rasa.tracker_store_url)
    try:
        run_due_tasks(new_phone().sessions, earlier, LocalChannel(), utc_now())
    finally:
        earlier.close()
    phone = new_phone()
    phone.onboard()
    phone.say(WORDS)
    phone.say("borrar mis datos")
    phone.say("si")
    with phone.sessions() as session:
        learner = session.get(Learner, phone.learner_id)
        public_id = learner.public_id
    assert public_id in tracker_text(stack_settings)  # until the scheduler's job runs

    channel = LocalChannel()
    tracker = TrackerStore(stack_settings.rasa.tracker_store_url)
    try:
        done = run_due_tasks(phone.sessions, tracker, channel, utc_now())
    finally:
        tracker.close()

    assert done == {"done": 2}
    stored = tracker_text(stack_settings)
    assert public_id not in stored
    assert "Zoraida" not in stored
    for sid in phone.sent_sids:
        assert sid not in stored
    # Twilio was asked to delete every message both ways, and the app forgot their sids.
    assert set(phone.sent_sids) <= set(channel.deleted)
    with phone.sessions() as session:
        inbound = session.scalars(
            select(InboundMessage.message_sid).where(InboundMessage.learner_id == learner.id)
        ).all()
        outbox = session.execute(
            select(OutboxMessage.provider_sid, OutboxMessage.idempotency_key).where(
                OutboxMessage.learner_id == learner.id
            )
        ).all()
    app = " ".join(str(value) for value in [*inbound, *outbox])
    for sid in [*phone.sent_sids, *channel.deleted]:
        assert sid not in app


def test_rasa_holds_no_key_to_phone_numbers_and_shows_its_token_to_nobody(
    rasa_stack: RasaStack, stack_settings: Settings
) -> None:
    import httpx

    token = stack_settings.rasa.token
    status = f"{stack_settings.rasa.url}/status"
    assert httpx.get(status, timeout=5).status_code == 401
    assert httpx.get(status, params={"token": token}, timeout=5).status_code == 200
    for name in ("rasa", "actions"):
        pid = rasa_stack.processes[name].pid
        command_line = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        environment = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace")
        assert token not in command_line, name
        for secret in (
            stack_settings.secrets.phone_hash_key,
            stack_settings.secrets.phone_encryption_key,
            stack_settings.twilio.auth_token,
        ):
            assert secret not in environment, name
