"""Two-person approval holds: re-checked when sending starts, per author per day, 30 days ahead."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.broadcasts import approval, lifecycle, queueing
from bot.broadcasts.audience import Audience
from bot.broadcasts.models import Broadcast, BroadcastRecipient, BroadcastStatus
from bot.models import OutboxMessage
from tests.broadcasts.builders import NOW, add_learner, csrf_token, log_in, make_broadcast

LATER = NOW + timedelta(hours=2)


def crowd(db_session, settings, size: int, tags: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    for _ in range(size):
        add_learner(db_session, settings, tags=tags)
    db_session.commit()


def _start(sessions, settings, db_session, broadcast_id: int) -> Broadcast:  # type: ignore[no-untyped-def]
    queueing.run(sessions, settings, LATER + timedelta(minutes=1))
    db_session.expire_all()
    broadcast = db_session.get(Broadcast, broadcast_id)
    assert broadcast is not None
    return broadcast


def _nothing_queued(db_session, broadcast_id: int) -> bool:  # type: ignore[no-untyped-def]
    recipients = db_session.scalar(
        select(func.count()).where(BroadcastRecipient.broadcast_id == broadcast_id)
    )
    rows = db_session.scalar(select(func.count()).select_from(OutboxMessage))
    return recipients == 0 and rows == 0


def test_a_segment_that_grew_after_approval_waits_for_approval_again(
    db_session, settings, sessions, people
):
    strict = settings.with_overrides({"broadcasts.approval_threshold": 3})
    crowd(db_session, settings, 4)
    broadcast = make_broadcast(db_session, people["author"])
    lifecycle.request_send(db_session, broadcast, people["author"].id, LATER, strict, NOW)
    lifecycle.approve(db_session, broadcast, people["colleague"].id, strict, NOW)
    db_session.commit()
    crowd(db_session, settings, 1)  # one more learner joins before it starts

    held = _start(sessions, strict, db_session, broadcast.id)

    assert held.status == BroadcastStatus.AWAITING_APPROVAL
    assert held.approved_by_id is None and held.requested_count == 5
    assert held.approval_reason == {"reason": approval.GREW, "recipients": 5, "approved": 4}
    assert _nothing_queued(db_session, broadcast.id)


def test_an_approved_segment_that_did_not_grow_starts(db_session, settings, sessions, people):
    strict = settings.with_overrides({"broadcasts.approval_threshold": 3})
    crowd(db_session, settings, 4)
    broadcast = make_broadcast(db_session, people["author"])
    lifecycle.request_send(db_session, broadcast, people["author"].id, LATER, strict, NOW)
    lifecycle.approve(db_session, broadcast, people["colleague"].id, strict, NOW)
    db_session.commit()
    started = _start(sessions, strict, db_session, broadcast.id)
    assert started.status == BroadcastStatus.SENDING and started.recipient_count == 4


def test_an_unapproved_segment_that_grew_past_the_threshold_waits(
    db_session, settings, sessions, people
):
    strict = settings.with_overrides({"broadcasts.approval_threshold": 3})
    crowd(db_session, settings, 3)
    broadcast = make_broadcast(db_session, people["author"])
    lifecycle.request_send(db_session, broadcast, people["author"].id, LATER, strict, NOW)
    assert broadcast.status == BroadcastStatus.SCHEDULED  # 3: no approval needed
    db_session.commit()
    crowd(db_session, settings, 2)

    held = _start(sessions, strict, db_session, broadcast.id)

    assert held.status == BroadcastStatus.AWAITING_APPROVAL
    assert held.approval_reason == {
        "reason": approval.OVER_THRESHOLD,
        "recipients": 5,
        "others": 0,
        "threshold": 3,
    }
    assert _nothing_queued(db_session, broadcast.id)
    # A colleague approves the 5 it found; then it goes.
    lifecycle.approve(db_session, held, people["colleague"].id, strict, LATER)
    db_session.commit()
    queueing.run(sessions, strict, LATER + timedelta(hours=1))
    db_session.expire_all()
    assert db_session.get(Broadcast, broadcast.id).status in (
        BroadcastStatus.SENDING,
        BroadcastStatus.SENT,
    )


def test_splitting_a_broadcast_does_not_avoid_approval(db_session, settings, people):
    strict = settings.with_overrides({"broadcasts.approval_threshold": 3})
    crowd(db_session, settings, 2, tags=("site-a",))
    crowd(db_session, settings, 2, tags=("site-b",))
    first = make_broadcast(db_session, people["author"], audience=Audience(tags=("site-a",)))
    lifecycle.request_send(db_session, first, people["author"].id, LATER, strict, NOW)
    assert first.status == BroadcastStatus.SCHEDULED
    second = make_broadcast(db_session, people["author"], audience=Audience(tags=("site-b",)))
    lifecycle.request_send(
        db_session, second, people["author"].id, LATER + timedelta(hours=3), strict, NOW
    )
    assert second.status == BroadcastStatus.AWAITING_APPROVAL
    assert second.approval_reason == {
        "reason": approval.AUTHOR_TOTAL,
        "recipients": 2,
        "others": 2,
        "threshold": 3,
    }
    # Another author's, or the same author's a day and more later, count on their own.
    other = make_broadcast(db_session, people["colleague"], audience=Audience(tags=("site-b",)))
    lifecycle.request_send(db_session, other, people["colleague"].id, LATER, strict, NOW)
    assert other.status == BroadcastStatus.SCHEDULED
    next_day = make_broadcast(db_session, people["author"], audience=Audience(tags=("site-b",)))
    far = LATER + timedelta(hours=25)
    lifecycle.request_send(db_session, next_day, people["author"].id, far, strict, NOW)
    assert next_day.status == BroadcastStatus.SCHEDULED


def test_a_send_time_beyond_the_limit_names_the_field(db_session, settings, people):
    crowd(db_session, settings, 1)
    broadcast = make_broadcast(db_session, people["author"])
    too_far = NOW + timedelta(days=30, minutes=1)
    with pytest.raises(lifecycle.BroadcastError) as refused:
        lifecycle.request_send(db_session, broadcast, people["author"].id, too_far, settings, NOW)
    (error,) = refused.value.errors
    assert error.field == "send_at" and "more than 30 days ahead" in error.message
    shorter = settings.with_overrides({"broadcasts.max_schedule_days": 7})
    with pytest.raises(lifecycle.BroadcastError, match="cannot be sent"):
        lifecycle.request_send(
            db_session, broadcast, people["author"].id, NOW + timedelta(days=8), shorter, NOW
        )
    lifecycle.request_send(
        db_session, broadcast, people["author"].id, NOW + timedelta(days=30), settings, NOW
    )
    assert broadcast.status == BroadcastStatus.SCHEDULED


def test_staff_see_why_a_broadcast_waits_and_the_send_at_error(
    client, db_session, settings, sessions, people
):
    crowd(db_session, settings, 3)
    broadcast = make_broadcast(db_session, people["author"])
    db_session.commit()
    log_in(client, "author@example.org")
    page = client.get(f"/broadcasts/{broadcast.id}").get_data(as_text=True)
    form = {"csrf_token": csrf_token(page), "when": "later", "send_at": "2026-06-01T10:00"}
    refused = client.post(f"/broadcasts/{broadcast.id}/send", data=form)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'id="send_at-error"' in html and "more than 30 days ahead" in html

    strict = settings.with_overrides({"broadcasts.approval_threshold": 3})
    lifecycle.request_send(db_session, broadcast, people["author"].id, LATER, strict, NOW)
    db_session.commit()
    crowd(db_session, settings, 1)
    _start(sessions, strict, db_session, broadcast.id)
    page = client.get(f"/broadcasts/{broadcast.id}").get_data(as_text=True)
    assert "Waiting for approval" in page
    assert "the audience had grown to 4 learners, above the 3" in page
