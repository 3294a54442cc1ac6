"""After an erasure: Rasa's conversation and Twilio's records go, retried until done.

Rasa's tracker store is a real SQLite database in Rasa's own table layout;
the provider is the local channel (it records what it was asked to delete) or,
where Twilio's answers matter, a stand-in for Twilio's API.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db import make_engine, make_session_factory, session_scope
from bot.messaging.channels.local import LocalChannel
from bot.messaging.channels.twilio import TwilioChannel
from bot.messaging.tracker_store import TrackerStore
from bot.migrate import upgrade
from bot.models import ErasureTask, InboundMessage, Learner, OutboxMessage
from bot.privacy.erasure import erase_learner
from bot.privacy.erasure_tasks import run_due_tasks
from bot.settings import Settings
from bot.staff.accounts import audit
from bot.staff.models import AuditLog
from bot.tags.service import change_tag, parse_ids
from bot.vocab import (
    ChannelName,
    ErasureStep,
    InboundStatus,
    LearnerStatus,
    OutboxKind,
    OutboxStatus,
)
from tests.conftest import make_test_settings
from tests.fakes import StandInServer
from tests.postgres import scratch_database
from tests.privacy.rasa_events import stored_data, user_event, write_events

NOW = datetime(2026, 3, 2, 14, 0)
IN_SIDS = ["SM" + "a1" * 16, "SM" + "a2" * 16]
OUT_SIDS = ["SM" + "b1" * 16, "SM" + "b2" * 16]
CONFIRMATION_SID = "SM" + "c1" * 16


@pytest.fixture
def sessions(db_session):  # type: ignore[no-untyped-def]
    from sqlalchemy.orm import sessionmaker

    return sessionmaker(bind=db_session.get_bind(), expire_on_commit=False)


@pytest.fixture
def tracker(settings: Settings):  # type: ignore[no-untyped-def]
    store = TrackerStore(settings.rasa.tracker_store_url)
    yield store
    store.close()


def erased_learner(sessions, settings: Settings) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """A learner with two messages each way and a conversation in Rasa, erased just now.

    The confirmation of the erasure is still in the outbox, waiting for the sender.
    """
    with session_scope(sessions) as session:
        learner = Learner(
            channel=ChannelName.SMS,
            phone_hash="h" * 64,
            phone_encrypted="token",
            status=LearnerStatus.ACTIVE,
            created_at=NOW,
        )
        other = Learner(channel=ChannelName.SMS, created_at=NOW, public_id="Lsomeoneelse")
        session.add_all([learner, other])
        session.flush()
        for index, sid in enumerate(IN_SIDS):
            session.add(
                InboundMessage(
                    message_sid=sid, learner_id=learner.id, channel="sms", body="sí",
                    received_at=NOW, status=InboundStatus.DONE,
                )
            )  # fmt: skip
            session.add(
                OutboxMessage(
                    idempotency_key=f"{sid}:0", learner_id=learner.id, body="Lección",
                    status=OutboxStatus.DELIVERED, provider_sid=OUT_SIDS[index], created_at=NOW,
                )
            )  # fmt: skip
        session.add(
            OutboxMessage(
                idempotency_key=f"{IN_SIDS[-1]}:1", learner_id=learner.id, body="Borrado.",
                kind=OutboxKind.ERASURE, allow_when_opted_out=True, created_at=NOW,
            )
        )  # fmt: skip
        session.flush()
        public_id = learner.public_id
        write_events(
            settings.rasa.tracker_store_url,
            [
                user_event(public_id, "me llamo Ana", NOW, IN_SIDS[0]),
                user_event(public_id, "sí, borrar", NOW, IN_SIDS[1]),
                user_event("Lsomeoneelse", "hola", NOW, "SM" + "d1" * 16),
            ],
        )
        erase_learner(session, learner, NOW)
        return learner.id, public_id


def confirmation_sent(sessions, learner_id: int) -> None:  # type: ignore[no-untyped-def]
    with session_scope(sessions) as session:
        row = session.scalars(
            select(OutboxMessage).filter_by(learner_id=learner_id, kind=OutboxKind.ERASURE)
        ).one()
        row.status, row.provider_sid = OutboxStatus.SENT, CONFIRMATION_SID


def tasks(sessions, learner_id: int) -> dict[str, ErasureTask]:  # type: ignore[no-untyped-def]
    with session_scope(sessions) as session:
        rows = session.scalars(select(ErasureTask).filter_by(learner_id=learner_id))
        return {row.step: row for row in rows}


def test_an_erasure_deletes_the_conversation_and_the_providers_records_then_their_ids(
    sessions, settings, tracker
) -> None:
    learner_id, public_id = erased_learner(sessions, settings)
    channel = LocalChannel()

    first = run_due_tasks(sessions, tracker, channel, NOW)

    # The conversation goes at once; Twilio's records wait for the confirmation to be sent.
    assert first == {"done": 1, "waiting": 1}
    left = "\n".join(stored_data(settings.rasa.tracker_store_url))
    assert public_id not in left and "Ana" not in left and IN_SIDS[0] not in left
    assert "Lsomeoneelse" in left  # nobody else's
    assert channel.deleted == []

    confirmation_sent(sessions, learner_id)
    assert run_due_tasks(sessions, tracker, channel, NOW + timedelta(minutes=1)) == {"done": 1}

    assert sorted(channel.deleted) == sorted([*IN_SIDS, *OUT_SIDS, CONFIRMATION_SID])
    with session_scope(sessions) as session:
        inbound = session.scalars(
            select(InboundMessage.message_sid).filter_by(learner_id=learner_id)
        )
        outbox = session.execute(
            select(OutboxMessage.provider_sid, OutboxMessage.idempotency_key).filter_by(
                learner_id=learner_id
            )
        ).all()
    stored = " ".join(str(value) for value in [*inbound, *outbox])
    for sid in [*IN_SIDS, *OUT_SIDS, CONFIRMATION_SID]:
        assert sid not in stored
    assert all(provider_sid is None for provider_sid, _key in outbox)
    assert {step: row.done_at for step, row in tasks(sessions, learner_id).items()} == {
        ErasureStep.RASA_TRACKER: NOW,
        ErasureStep.PROVIDER_MESSAGES: NOW + timedelta(minutes=1),
    }
    # Done is done: nothing is asked again.
    assert run_due_tasks(sessions, tracker, channel, NOW + timedelta(days=1)) == {}


def test_a_step_that_fails_is_tried_again_later_until_it_is_done(
    sessions, settings, tracker, tmp_path
) -> None:
    learner_id, public_id = erased_learner(sessions, settings)
    confirmation_sent(sessions, learner_id)
    # Rasa's database cannot be opened; Twilio fails twice, then deletes.
    unreachable = TrackerStore(f"sqlite:///{tmp_path / 'no-such-dir' / 'tracker.db'}")
    answers = iter([(500, {"code": 20500, "message": "Internal Server Error"}, {})] * 2)

    def twilio(request):  # type: ignore[no-untyped-def]
        return next(answers, (204, None, {}))

    twilio_settings = settings.with_overrides(
        {"twilio.account_sid": "AC" + "a1" * 16, "twilio.messaging_service_sid": "MG" + "b2" * 16}
    )
    with StandInServer(twilio) as server:
        channel = TwilioChannel(twilio_settings.with_overrides({"twilio.api_base_url": server.url}))
        try:
            assert run_due_tasks(sessions, unreachable, channel, NOW) == {"retry": 2}
            failed = tasks(sessions, learner_id)
            for step in ErasureStep:
                assert failed[step].attempts == 1
                assert failed[step].next_attempt_at == NOW + timedelta(seconds=30)
                assert failed[step].done_at is None
            assert "Internal Server Error" in failed[ErasureStep.PROVIDER_MESSAGES].last_error

            assert run_due_tasks(sessions, unreachable, channel, NOW + timedelta(seconds=10)) == {}
            later = NOW + timedelta(seconds=30)
            assert run_due_tasks(sessions, unreachable, channel, later) == {"retry": 2}
            again = tasks(sessions, learner_id)
            assert again[ErasureStep.RASA_TRACKER].next_attempt_at == later + timedelta(minutes=1)

            final = later + timedelta(minutes=1)
            assert run_due_tasks(sessions, tracker, channel, final) == {"done": 2}
        finally:
            channel.close()
    unreachable.close()

    assert public_id not in "\n".join(stored_data(settings.rasa.tracker_store_url))
    deleted = [request.path.rsplit("/", 1)[1] for request in server.requests]
    # The first message failed twice and was asked again; every one ended deleted.
    assert set(deleted) == {f"{sid}.json" for sid in [*IN_SIDS, *OUT_SIDS, CONFIRMATION_SID]}
    assert all(row.done_at == final for row in tasks(sessions, learner_id).values())


def test_the_conversation_waits_while_a_message_of_the_learner_is_still_pending(
    sessions, settings, tracker
) -> None:
    learner_id, public_id = erased_learner(sessions, settings)
    with session_scope(sessions) as session:
        # Written just before the erasure: its turn in Rasa would write the conversation back.
        session.add(
            InboundMessage(message_sid="SMlate", learner_id=learner_id, channel="sms",
                           body="hola", received_at=NOW)
        )  # fmt: skip

    run_due_tasks(sessions, tracker, LocalChannel(), NOW)

    assert public_id in "\n".join(stored_data(settings.rasa.tracker_store_url))
    assert tasks(sessions, learner_id)[ErasureStep.RASA_TRACKER].done_at is None


def test_the_audit_log_keeps_no_trace_of_an_erased_learner(sessions) -> None:
    check_audit_log_forgets(sessions)


@pytest.mark.postgres
def test_the_audit_log_keeps_no_trace_of_an_erased_learner_on_postgresql(tmp_path) -> None:
    with scratch_database("lessonbot_erasure") as url:
        settings = make_test_settings(tmp_path, {"app.database_url": url})
        upgrade(settings)
        engine = make_engine(url)
        try:
            check_audit_log_forgets(make_session_factory(engine))
        finally:
            engine.dispose()


def check_audit_log_forgets(sessions) -> None:  # type: ignore[no-untyped-def]
    with session_scope(sessions) as session:
        ana = Learner(channel=ChannelName.SMS, created_at=NOW, public_id="L" + "a" * 16)
        ben = Learner(channel=ChannelName.SMS, created_at=NOW, public_id="L" + "b" * 16)
        session.add_all([ana, ben])
        session.flush()
        change_tag(session, "colon-2026", parse_ids([ana.public_id, ben.public_id]), add=True,
                   now=NOW)  # fmt: skip
        audit(session, None, "learner.note", {"learner": ana.public_id}, NOW)

    with session_scope(sessions) as session:
        erase_learner(session, session.get(Learner, ana.id), NOW)

    with session_scope(sessions) as session:
        entries = {row.action: row.details for row in session.scalars(select(AuditLog))}
    assert entries == {
        "learner_tag.add": {"tag": "colon-2026", "learners": ["erased", "L" + "b" * 16]},
        "learner.note": {"learner": "erased"},
    }
