"""From a broadcast to outbox rows: once per recipient, by the right route, never in quiet hours."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.broadcasts import preview, queueing
from bot.broadcasts.audience import Audience
from bot.broadcasts.compose import Draft
from bot.broadcasts.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    RecipientState,
    Route,
    SkipReason,
)
from bot.messaging.channels.local import LocalChannel
from bot.messaging.pacer import Pacer
from bot.messaging.worker import run_sends_once
from bot.models import Learner, OutboxMessage
from bot.vocab import LearnerStatus, OutboxStatus
from tests.broadcasts.builders import NOW, add_learner, make_broadcast
from tests.fakes import FakeChannel, FakeTime

TEMPLATE = "HX" + "a1" * 16


def scheduled(db_session, **changes) -> Broadcast:  # type: ignore[no-untyped-def]
    broadcast = make_broadcast(db_session, **changes)
    broadcast.status, broadcast.send_at = BroadcastStatus.SCHEDULED, NOW
    db_session.commit()
    return broadcast


def outbox(db_session, broadcast: Broadcast) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    rows = db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    return [row for row in rows if row.idempotency_key.startswith(broadcast.key_prefix)]


def states(db_session, broadcast: Broadcast) -> dict[str, int]:  # type: ignore[no-untyped-def]
    query = (
        select(BroadcastRecipient.state, func.count())
        .where(BroadcastRecipient.broadcast_id == broadcast.id)
        .group_by(BroadcastRecipient.state)
    )
    return {state: number for state, number in db_session.execute(query)}


def test_each_recipient_gets_one_row_however_often_the_job_runs(db_session, sessions, settings):
    learners = [add_learner(db_session, settings) for _ in range(30)]
    broadcast = scheduled(db_session)

    first = queueing.run(sessions, settings, NOW)
    for minutes in range(1, 4):
        queueing.run(sessions, settings, NOW + timedelta(minutes=minutes))

    rows = outbox(db_session, broadcast)
    assert first == {"started": 1, "queued": 30, "skipped": 0, "finished": 0}
    assert sorted(row.idempotency_key for row in rows) == sorted(
        f"broadcast:{broadcast.id}:{learner.public_id}" for learner in learners
    )
    assert {(row.kind, row.body, row.status) for row in rows} == {
        ("broadcast", "Hola, la oficina cierra el viernes.", OutboxStatus.PENDING)
    }
    assert states(db_session, broadcast) == {RecipientState.QUEUED: 30}


def test_a_feed_that_crashed_resumes_without_duplicates_or_gaps(db_session, sessions, settings):
    learners = [add_learner(db_session, settings) for _ in range(30)]
    broadcast = scheduled(db_session)
    slow = settings.with_overrides(
        {"sender.rate_per_second": 0.2, "broadcasts.feed_ahead_seconds": 20}
    )
    queueing.run(sessions, slow, NOW)  # 4 fed
    assert len(outbox(db_session, broadcast)) == 4
    # A batch that died before its commit left nothing; a row written by a run whose
    # recipients' update was lost is found again by its key and not written twice.
    with sessions() as session, pytest.raises(RuntimeError), session.begin():
        queueing.feed(session, settings, NOW, 3)
        raise RuntimeError("killed")
    orphan = OutboxMessage(
        idempotency_key=broadcast.key_prefix + learners[7].public_id,
        learner_id=learners[7].id,
        kind="broadcast",
        body="already here",
        created_at=NOW,
    )
    db_session.add(orphan)
    db_session.commit()

    queueing.run(sessions, settings, NOW + timedelta(seconds=5))

    rows = outbox(db_session, broadcast)
    assert len(rows) == len({row.learner_id for row in rows}) == 30
    assert {row.learner_id for row in rows} == {learner.id for learner in learners}
    recipient = db_session.get(BroadcastRecipient, (broadcast.id, learners[7].id))
    assert recipient.outbox_id == orphan.id
    assert db_session.get(OutboxMessage, orphan.id).body == "already here"  # kept as it was
    assert states(db_session, broadcast) == {RecipientState.QUEUED: 30}


def test_the_outbox_is_fed_a_little_ahead_of_the_sender(db_session, sessions, settings):
    for _ in range(25):
        add_learner(db_session, settings)
    broadcast = scheduled(db_session)
    paced = settings.with_overrides(
        {"sender.rate_per_second": 2, "broadcasts.feed_ahead_seconds": 5}
    )

    queueing.run(sessions, paced, NOW)
    assert len(outbox(db_session, broadcast)) == 10  # 2 a second, 5 seconds ahead
    fake_time = FakeTime()
    pacer = Pacer(100, fake_time.monotonic, fake_time.sleep)
    run_sends_once(sessions, FakeChannel(), paced, pacer, NOW, limit=4)
    queueing.run(sessions, paced, NOW + timedelta(seconds=5))
    assert len(outbox(db_session, broadcast)) == 14
    assert states(db_session, broadcast)[RecipientState.WAITING] == 11


@pytest.mark.parametrize(
    ("case", "template", "fallback", "expected"),
    [
        ("template configured", TEMPLATE, False, ("whatsapp", TEMPLATE, None)),
        ("template preferred to SMS", TEMPLATE, True, ("whatsapp", TEMPLATE, None)),
        ("SMS fallback", "", True, ("sms", None, "sms")),
        ("neither: skipped", "", False, None),
    ],
)
def test_whatsapp_learners_outside_the_window_get_the_template_or_an_sms(
    db_session, sessions, settings, case, template, fallback, expected
):
    texter = add_learner(db_session, settings, channel="sms")
    chatting = add_learner(
        db_session, settings, channel="whatsapp", last_inbound_at=NOW - timedelta(hours=2)
    )
    silent = add_learner(
        db_session, settings, channel="whatsapp", last_inbound_at=NOW - timedelta(hours=30)
    )
    closing = add_learner(  # the window closes within minutes: too late for free text
        db_session, settings, channel="whatsapp", last_inbound_at=NOW - timedelta(hours=23.99)
    )
    broadcast = scheduled(db_session)
    chosen = settings.with_overrides(
        {
            "broadcasts.whatsapp_template_sid": template,
            "broadcasts.sms_fallback_for_closed_window": fallback,
        }
    )

    queueing.run(sessions, chosen, NOW)

    rows = {row.learner_id: row for row in outbox(db_session, broadcast)}
    assert (rows[texter.id].content_sid, rows[texter.id].channel) == (None, None)
    assert (rows[chatting.id].content_sid, rows[chatting.id].channel) == (None, None)
    for learner in (silent, closing):
        if expected is None:
            assert learner.id not in rows, case
            recipient = db_session.get(BroadcastRecipient, (broadcast.id, learner.id))
            assert recipient.reason == SkipReason.WINDOW_CLOSED
            continue
        row = rows[learner.id]
        _channel, sid, override = expected
        assert (row.content_sid, row.channel) == (sid, override), case
        if sid:
            assert row.content_variables == {"1": "Hola, la oficina cierra el viernes."}


def test_many_learners_outside_the_window_share_one_insert_of_the_template(
    db_session, sessions, settings
):
    silent = [
        add_learner(db_session, settings, channel="whatsapp", last_inbound_at=None)
        for _ in range(12)
    ]
    broadcast = scheduled(db_session)
    queueing.run(
        sessions, settings.with_overrides({"broadcasts.whatsapp_template_sid": TEMPLATE}), NOW
    )

    rows = outbox(db_session, broadcast)
    assert {row.learner_id for row in rows} == {learner.id for learner in silent}
    assert {(row.content_sid, row.channel, row.status, row.attempts) for row in rows} == {
        (TEMPLATE, None, OutboxStatus.PENDING, 0)
    }
    assert all(
        row.content_variables == {"1": "Hola, la oficina cierra el viernes."} for row in rows
    )


def test_the_template_goes_in_the_language_of_the_text_it_carries(db_session, sessions, settings):
    # Texts in es and en; a French learner gets the Spanish text (the fallback),
    # so the Spanish template. Only English has a template here.
    english_sid = "HX" + "e" * 32
    learners = {
        language: add_learner(
            db_session, settings, channel="whatsapp", language=language, last_inbound_at=None
        )
        for language in ("en", "fr")
    }
    broadcast = scheduled(db_session)
    only_english = settings.with_overrides(
        {
            "broadcasts.whatsapp_template_sid": "",
            "broadcasts.whatsapp_template_sids": {"en": english_sid},
        }
    )
    shown = preview.build(db_session, Draft.from_broadcast(broadcast), only_english, NOW)

    queueing.run(sessions, only_english, NOW)

    assert shown.by_route == {Route.WHATSAPP_TEMPLATE: 1, Route.NONE: 1}
    [row] = outbox(db_session, broadcast)
    assert (row.learner_id, row.content_sid) == (learners["en"].id, english_sid)
    assert row.content_variables == {"1": "Hi, closed Friday."}
    french = db_session.get(BroadcastRecipient, (broadcast.id, learners["fr"].id))
    assert (french.state, french.reason) == (RecipientState.SKIPPED, SkipReason.WINDOW_CLOSED)


def test_the_sms_fallback_leaves_by_sms(db_session, sessions, settings):
    learner = add_learner(db_session, settings, channel="whatsapp", last_inbound_at=None)
    scheduled(db_session)
    chosen = settings.with_overrides({"broadcasts.sms_fallback_for_closed_window": True})
    queueing.run(sessions, chosen, NOW)
    channel = FakeChannel()
    fake_time = FakeTime()
    run_sends_once(sessions, channel, chosen, Pacer(100, fake_time.monotonic, fake_time.sleep), NOW)

    ((_, message),) = channel.sent
    assert (message.channel, message.content_sid) == ("sms", None)
    db_session.expire_all()
    row = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.learner_id == learner.id)
    ).one()
    assert (row.segments, row.encoding) == (1, "GSM-7")


QUIET_CASES = [
    # case, now (UTC), learner's zone, fed?
    ("10:00 in Panama", datetime(2026, 3, 4, 15, 0), "America/Panama", True),
    ("23:00 in Manila", datetime(2026, 3, 4, 15, 0), "Asia/Manila", False),
    ("07:00 in Manila: quiet hours over", datetime(2026, 3, 4, 23, 0), "Asia/Manila", True),
    (
        "20:59:50 in Panama: would arrive after 21:00",
        datetime(2026, 3, 5, 1, 59, 50),
        "America/Panama",
        False,
    ),
    ("06:59:30 in Bogotá", datetime(2026, 3, 4, 11, 59, 30), "America/Bogota", False),
    ("07:00 in Bogotá", datetime(2026, 3, 4, 12, 0), "America/Bogota", True),
    ("02:00 in Madrid (CET)", datetime(2026, 3, 4, 1, 0), "Europe/Madrid", False),
    ("a zone nobody knows, at 10:00 in Panama", datetime(2026, 3, 4, 15, 0), "Mars/Olympus", True),
]


@pytest.mark.parametrize(("case", "now", "zone", "fed"), QUIET_CASES)
def test_quiet_hours_hold_a_learner_until_they_end(
    db_session, sessions, settings, case, now, zone, fed
):
    add_learner(db_session, settings, timezone=zone)
    broadcast = make_broadcast(db_session)
    broadcast.status, broadcast.send_at = BroadcastStatus.SCHEDULED, now
    db_session.commit()

    queueing.run(sessions, settings, now)

    assert len(outbox(db_session, broadcast)) == (1 if fed else 0), case


def test_a_learner_held_by_quiet_hours_gets_it_when_they_end(db_session, sessions, settings):
    panama = add_learner(db_session, settings, timezone="America/Panama")
    manila = add_learner(db_session, settings, timezone="Asia/Manila")
    broadcast = scheduled(db_session)

    queueing.run(sessions, settings, NOW)  # 23:00 in Manila
    assert [row.learner_id for row in outbox(db_session, broadcast)] == [panama.id]
    queueing.run(sessions, settings, datetime(2026, 3, 4, 22, 59))  # 06:59 there
    assert len(outbox(db_session, broadcast)) == 1
    queueing.run(sessions, settings, datetime(2026, 3, 4, 23, 0))  # 07:00 there
    assert [row.learner_id for row in outbox(db_session, broadcast)] == [panama.id, manila.id]


def test_names_fill_in_and_learners_gone_since_the_start_are_skipped(
    db_session, sessions, settings
):
    ana = add_learner(
        db_session,
        settings,
        channel="whatsapp",
        profile_name="Ana López",
        last_inbound_at=NOW - timedelta(hours=1),
    )
    nameless = add_learner(db_session, settings, language="en")
    leaving = add_learner(db_session, settings)
    broadcast = scheduled(
        db_session,
        texts={"es": "Hola {first_name}: curso nuevo.", "en": "Hi {first_name}: new course."},
        name_fallbacks={"es": "amiga", "en": "friend"},
    )
    paced = settings.with_overrides({"sender.rate_per_second": 0.05})  # one row per run
    queueing.run(sessions, paced, NOW)
    db_session.get(Learner, leaving.id).status = LearnerStatus.OPTED_OUT
    db_session.commit()
    for seconds in (60, 120, 180):
        run_sends_once(sessions, LocalChannel(), paced, Pacer(100), NOW, limit=5)
        queueing.run(sessions, paced, NOW + timedelta(seconds=seconds))

    bodies = {row.learner_id: row.body for row in outbox(db_session, broadcast)}
    assert bodies == {ana.id: "Hola Ana: curso nuevo.", nameless.id: "Hi friend: new course."}
    recipient = db_session.get(BroadcastRecipient, (broadcast.id, leaving.id))
    assert (recipient.state, recipient.reason) == (RecipientState.SKIPPED, SkipReason.UNREACHABLE)


def test_a_broadcast_is_sent_once_every_row_has_left(db_session, sessions, settings):
    for _ in range(3):
        add_learner(db_session, settings)
    broadcast = scheduled(db_session)
    queueing.run(sessions, settings, NOW)
    run_sends_once(sessions, LocalChannel(), settings, Pacer(100), NOW, limit=2)
    assert queueing.run(sessions, settings, NOW)["finished"] == 0
    run_sends_once(sessions, LocalChannel(), settings, Pacer(100), NOW, limit=2)

    assert queueing.run(sessions, settings, NOW)["finished"] == 1
    db_session.expire_all()
    done = db_session.get(Broadcast, broadcast.id)
    assert (done.status, done.finished_at, done.recipient_count) == (BroadcastStatus.SENT, NOW, 3)


def test_nobody_in_the_segment_when_it_starts(db_session, sessions, settings):
    add_learner(db_session, settings, language="fr")
    broadcast = scheduled(db_session, audience=Audience(languages=("es",)))
    assert queueing.run(sessions, settings, NOW)["started"] == 1
    db_session.expire_all()
    assert db_session.get(Broadcast, broadcast.id).status == BroadcastStatus.SENT
