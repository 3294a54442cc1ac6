"""Group commit of inbound messages: many requests, few commits, each its own outcome."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.messaging import ingest
from bot.messaging.inbound import InboundSms
from bot.messaging.ingest import GroupCommit, store_inbound
from bot.models import InboundMessage
from tests.builders import new_sid

NOW = datetime(2025, 3, 3, 14, 0, 0)


def message(number: str = "+50761234567", sid: str | None = None) -> InboundSms:
    return InboundSms(sid or new_sid(), "sms", number, "hola", 0, None)


class HeldFirstStore:
    """``store_inbound`` whose first call waits for ``release``: the next requests pile up."""

    def __init__(self, fail_for: str | None = None) -> None:
        self.release = threading.Event()
        self.first_started = threading.Event()
        self.fail_for = fail_for
        self.calls = 0

    def __call__(self, session: Session, item: InboundSms, *args: Any) -> bool:
        self.calls += 1
        if self.calls == 1:
            self.first_started.set()
            assert self.release.wait(10)
        if item.message_sid == self.fail_for:
            raise RuntimeError("this one cannot be stored")
        return store_inbound(session, item, *args)


def store_in_threads(group: GroupCommit, items: list[InboundSms]) -> dict[str, Any]:
    """Each item stored from a thread of its own, as concurrent requests would."""
    outcomes: list[tuple[str, Any]] = []

    def one(item: InboundSms) -> None:
        try:
            outcomes.append((item.message_sid, group.store(item, NOW)))
        except Exception as error:  # what the request would turn into a 500
            outcomes.append((item.message_sid, error))

    threads = [threading.Thread(target=one, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    return {"threads": threads, "outcomes": outcomes}


def wait_queued(group: GroupCommit, count: int) -> None:
    deadline = time.monotonic() + 10
    while group._queue.qsize() < count:
        assert time.monotonic() < deadline, "the requests never queued"
        time.sleep(0.01)


def stored_sids(sessions: sessionmaker[Session]) -> set[str]:
    with sessions() as session:
        return set(session.scalars(select(InboundMessage.message_sid)))


def test_requests_that_arrive_together_share_one_commit(sessions, settings, monkeypatch):
    held = HeldFirstStore()
    monkeypatch.setattr(ingest, "store_inbound", held)
    group = GroupCommit(sessions, settings)
    first = store_in_threads(group, [message()])
    assert held.first_started.wait(10)
    others = [message(number=f"+5076300{index:04d}") for index in range(10)]
    run = store_in_threads(group, others)
    wait_queued(group, 10)

    held.release.set()
    for thread in first["threads"] + run["threads"]:
        thread.join(10)

    assert sorted(run["outcomes"]) == sorted((item.message_sid, True) for item in others)
    assert group.commits == 2  # the first alone, then the ten together
    assert stored_sids(sessions) == {sid for sid, _ in first["outcomes"] + run["outcomes"]}


def test_a_message_that_fails_fails_alone(sessions, settings, monkeypatch):
    bad = message(number="+50763009999")
    held = HeldFirstStore(fail_for=bad.message_sid)
    monkeypatch.setattr(ingest, "store_inbound", held)
    group = GroupCommit(sessions, settings)
    first = store_in_threads(group, [message()])
    assert held.first_started.wait(10)
    good = [message(number=f"+5076301{index:04d}") for index in range(4)]
    run = store_in_threads(group, [*good, bad])
    wait_queued(group, 5)

    held.release.set()
    for thread in first["threads"] + run["threads"]:
        thread.join(10)

    outcomes = dict(run["outcomes"])
    assert isinstance(outcomes.pop(bad.message_sid), RuntimeError)
    assert outcomes == {item.message_sid: True for item in good}
    first_sid = first["outcomes"][0][0]
    assert stored_sids(sessions) == {item.message_sid for item in good} | {first_sid}


def test_the_same_message_twice_in_one_batch_is_stored_once(sessions, settings, monkeypatch):
    held = HeldFirstStore()
    monkeypatch.setattr(ingest, "store_inbound", held)
    group = GroupCommit(sessions, settings)
    first = store_in_threads(group, [message()])
    assert held.first_started.wait(10)
    sid = new_sid()
    run = store_in_threads(group, [message(sid=sid), message(sid=sid)])
    wait_queued(group, 2)

    held.release.set()
    for thread in first["threads"] + run["threads"]:
        thread.join(10)

    assert sorted(outcome for _, outcome in run["outcomes"]) == [False, True]
    with sessions() as session:
        rows = session.scalars(select(InboundMessage).where(InboundMessage.message_sid == sid))
        assert len(rows.all()) == 1
