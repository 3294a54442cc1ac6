"""Send, approve, undo, cancel: who may do what, when, and the audit log of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.broadcasts import lifecycle, queueing
from bot.broadcasts.models import Broadcast, BroadcastStatus, RecipientState
from bot.broadcasts.progress import progress
from bot.messaging.channels.local import LocalChannel
from bot.messaging.pacer import Pacer
from bot.messaging.worker import run_sends_once
from bot.models import OutboxMessage
from bot.staff.models import AuditLog
from bot.vocab import OutboxStatus
from tests.broadcasts.builders import NOW, add_learner, make_broadcast


def crowd(db_session, settings, size: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(size):
        add_learner(db_session, settings)
    db_session.commit()


def actions(db_session) -> list[tuple[str, int | None]]:  # type: ignore[no-untyped-def]
    entries = db_session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    return [(e.action, e.staff_user_id) for e in entries if e.action.startswith("broadcast.")]


def test_a_small_broadcast_is_scheduled_after_the_undo_window(db_session, settings, people):
    crowd(db_session, settings, 3)
    broadcast = make_broadcast(db_session, people["author"])

    lifecycle.request_send(db_session, broadcast, people["author"].id, None, settings, NOW)

    undo_end = NOW + timedelta(seconds=settings.broadcasts.undo_seconds)
    assert (broadcast.status, broadcast.send_at, broadcast.undo_until) == (
        BroadcastStatus.SCHEDULED,
        undo_end,
        undo_end,
    )
    assert actions(db_session) == [
        ("broadcast.create", people["author"].id),
        ("broadcast.send", people["author"].id),
    ]


def test_above_the_threshold_another_staff_member_must_approve(db_session, settings, people):
    crowd(db_session, settings, 4)
    strict = settings.with_overrides({"broadcasts.approval_threshold": 3})
    broadcast = make_broadcast(db_session, people["author"])
    later = NOW + timedelta(hours=2)

    lifecycle.request_send(db_session, broadcast, people["author"].id, later, strict, NOW)
    assert (broadcast.status, broadcast.requested_count) == (BroadcastStatus.AWAITING_APPROVAL, 4)
    assert broadcast.send_at is None
    with pytest.raises(lifecycle.BroadcastError, match="other than its author"):
        lifecycle.approve(db_session, broadcast, people["author"].id, strict, NOW)

    lifecycle.approve(db_session, broadcast, people["colleague"].id, strict, NOW)
    assert (broadcast.status, broadcast.send_at) == (BroadcastStatus.SCHEDULED, later)
    assert broadcast.approved_by_id == people["colleague"].id
    assert ("broadcast.approve", people["colleague"].id) in actions(db_session)


def test_nobody_approves_a_broadcast_that_does_not_need_it(db_session, settings, people):
    crowd(db_session, settings, 2)
    broadcast = make_broadcast(db_session, people["author"])
    lifecycle.request_send(db_session, broadcast, people["author"].id, None, settings, NOW)
    with pytest.raises(lifecycle.BroadcastError, match="not waiting for approval"):
        lifecycle.approve(db_session, broadcast, people["admin"].id, settings, NOW)


def test_an_approval_after_the_chosen_time_sends_after_the_undo_window(
    db_session, settings, people
):
    crowd(db_session, settings, 4)
    strict = settings.with_overrides({"broadcasts.approval_threshold": 3})
    broadcast = make_broadcast(db_session, people["author"])
    soon = NOW + timedelta(minutes=5)
    lifecycle.request_send(db_session, broadcast, people["author"].id, soon, strict, NOW)
    approved_at = NOW + timedelta(hours=1)
    lifecycle.approve(db_session, broadcast, people["admin"].id, strict, approved_at)
    assert broadcast.send_at == approved_at + timedelta(seconds=settings.broadcasts.undo_seconds)


def test_a_send_that_cannot_go_names_the_fields(db_session, settings, people):
    crowd(db_session, settings, 1)
    broadcast = make_broadcast(db_session, people["author"], texts={"es": "Hola {nombre}"})
    with pytest.raises(lifecycle.BroadcastError) as raised:
        lifecycle.request_send(
            db_session, broadcast, people["author"].id, NOW - timedelta(hours=1), settings, NOW
        )
    assert [error.field for error in raised.value.errors] == ["text_es", "send_at"]
    assert broadcast.status == BroadcastStatus.DRAFT


def test_undo_within_the_window_returns_a_draft_and_sends_nothing(
    db_session, sessions, settings, people
):
    crowd(db_session, settings, 3)
    broadcast = make_broadcast(db_session, people["author"])
    lifecycle.request_send(db_session, broadcast, people["author"].id, None, settings, NOW)
    db_session.commit()

    assert queueing.run(sessions, settings, NOW + timedelta(seconds=30))["started"] == 0
    lifecycle.undo(db_session, broadcast, people["author"].id, NOW + timedelta(seconds=60))
    db_session.commit()
    assert queueing.run(sessions, settings, NOW + timedelta(minutes=10))["started"] == 0

    assert broadcast.status == BroadcastStatus.DRAFT
    assert (broadcast.send_at, broadcast.requested_by_id) == (None, None)
    assert db_session.scalars(select(OutboxMessage)).all() == []
    assert actions(db_session)[-1] == ("broadcast.undo", people["author"].id)


def test_undo_is_too_late_once_it_has_started(db_session, sessions, settings, people):
    crowd(db_session, settings, 3)
    broadcast = make_broadcast(db_session, people["author"])
    lifecycle.request_send(db_session, broadcast, people["author"].id, None, settings, NOW)
    db_session.commit()
    queueing.run(sessions, settings, NOW + timedelta(seconds=settings.broadcasts.undo_seconds))
    db_session.expire_all()
    with pytest.raises(lifecycle.BroadcastError, match="Too late"):
        lifecycle.undo(db_session, db_session.get(Broadcast, broadcast.id), None, NOW)


def test_cancel_while_sending_stops_what_is_still_queued(db_session, sessions, settings, people):
    crowd(db_session, settings, 10)
    broadcast = make_broadcast(db_session, people["author"])
    lifecycle.request_send(db_session, broadcast, people["author"].id, None, settings, NOW)
    db_session.commit()
    start = NOW + timedelta(seconds=settings.broadcasts.undo_seconds)
    paced = settings.with_overrides(
        {"sender.rate_per_second": 1, "broadcasts.feed_ahead_seconds": 6}
    )
    queueing.run(sessions, paced, start)  # 6 rows queued, 4 recipients waiting
    run_sends_once(sessions, LocalChannel(), paced, Pacer(1000), start, limit=2)

    db_session.expire_all()
    sending = db_session.get(Broadcast, broadcast.id)
    stopped = lifecycle.cancel(db_session, sending, people["colleague"].id, start)
    db_session.commit()
    queueing.run(sessions, paced, start + timedelta(minutes=1))
    assert run_sends_once(sessions, LocalChannel(), paced, Pacer(1000), start) == {}

    assert stopped == 4
    counts = progress(db_session, sending)
    assert (counts.delivered, counts.cancelled, counts.waiting, counts.queued) == (2, 8, 0, 0)
    statuses = db_session.scalars(select(OutboxMessage.status)).all()
    assert sorted(statuses) == [OutboxStatus.DELIVERED] * 2 + [OutboxStatus.FAILED] * 4
    assert sending.status == BroadcastStatus.CANCELLED
    assert ("broadcast.cancel", people["colleague"].id) in actions(db_session)
    states = {r.state for r in db_session.scalars(select(queueing.BroadcastRecipient))}
    assert states == {RecipientState.QUEUED, RecipientState.CANCELLED}


def test_a_finished_broadcast_cannot_be_cancelled(db_session, sessions, settings, people):
    crowd(db_session, settings, 1)
    broadcast = make_broadcast(db_session, people["author"])
    broadcast.status = BroadcastStatus.SENT
    with pytest.raises(lifecycle.BroadcastError, match="finished"):
        lifecycle.cancel(db_session, broadcast, people["author"].id, NOW)


def test_only_a_draft_can_be_edited(db_session, settings, people):
    crowd(db_session, settings, 1)
    broadcast = make_broadcast(db_session, people["author"])
    lifecycle.request_send(db_session, broadcast, people["author"].id, None, settings, NOW)
    with pytest.raises(lifecycle.BroadcastError, match="Only a draft"):
        lifecycle.update_draft(db_session, broadcast, lifecycle.Draft("es", {"es": "x"}), None, NOW)
