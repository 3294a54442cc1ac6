"""The due-lessons job: start the lesson of each learner who is due in Rasa, write it out.

Who is due, quiet hours and the WhatsApp window are ``bot.learners``' rules
(``due``, ``localtime``); the slot moves through ``bot.learners.schedule``.
One indexed query takes a batch of due learners, oldest slot first, and a tick
takes batch after batch while learners are due, for up to
``schedule.dispatch_tick_seconds``; ``schedule.dispatch_concurrency`` of them
are handled at once.
For each: in quiet hours the slot moves to their end; on WhatsApp with the
24-hour window closed the approved template goes instead, and the lesson waits
for the learner's reply; otherwise ``EXTERNAL_lesson_due`` is triggered in Rasa
and the messages it returns go to the outbox.

Why a crash never sends a lesson twice nor skips one:
- Rasa is called with no transaction open (the custom actions write to the
  same database; SQLite would deadlock, PostgreSQL would hold locks for the
  length of a turn).
- The outbox rows and the move of ``next_lesson_at`` are one transaction, so a
  learner is due until their lesson is in the outbox.
- The rows' idempotency key is the learner and the due slot
  (``lesson:{public_id}:{slot}:{index}``): the same slot never writes twice.
- The slot moves by compare-and-set on its old value: a concurrent change (the
  learner asked for the lesson, or changed their time) is never overwritten.
- A crash between Rasa's turn and the commit leaves the learner due with a
  lesson already started in that slot: ``bot.learners.delivery.next_lesson``
  sends that lesson again rather than the next.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol

from sqlalchemy import Select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.learners import schedule
from bot.learners.due import DueLearner, find_due
from bot.learners.localtime import ScheduleError, is_quiet, quiet_ends_at, whatsapp_window_open
from bot.messaging.outbox import write_reply
from bot.messaging.rasa_client import RasaRejected, RasaUnavailable
from bot.messaging.replies import Reply, replies_from_rasa
from bot.messaging.templates import window_template
from bot.models import Learner
from bot.settings import Settings
from bot.vocab import ChannelName, OutboxKind

log = logging.getLogger(__name__)

LESSON_DUE_INTENT = "EXTERNAL_lesson_due"
# A turn Rasa rejected (a bug, not an outage) is tried again this much later.
REJECTED_RETRY = timedelta(minutes=30)


class IntentTrigger(Protocol):
    """The part of ``bot.messaging.rasa_client.RasaClient`` this job uses."""

    def trigger_intent(
        self,
        sender_id: str,
        intent: str,
        entities: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> list[dict]: ...


def deliver_due_lessons(
    session_factory: sessionmaker[Session],
    rasa_client: IntentTrigger,
    settings: Settings,
    now: datetime,
    held: Select | None = None,
) -> dict[str, int]:
    """One tick: due learners a batch at a time, oldest slot first; return what happened.

    The tick goes on taking batches until nobody is due, Rasa is down or
    ``schedule.dispatch_tick_seconds`` have passed (what is left waits for
    the next tick, a minute after this one started). A tick that stopped after
    one batch held a Rasa server that starts 38 lessons a second (README,
    Measured) to 8 a second: 500 a minute.

    ``held``: a query of learner ids whose lessons wait (talking with staff,
    when ``inbox.pause_lessons`` is set): they stay due until it ends.
    """
    started = time.monotonic()
    deadline = started + settings.schedule.dispatch_tick_seconds
    summary = Counter({"due": 0, "triggered": 0, "skipped_quiet": 0, "window_template": 0})
    rasa_down = threading.Event()
    taken: set[int] = set()
    # Taken this tick and still due (their slot moved meanwhile to one already
    # passed): left out of the next reads, so a learner never runs twice in a
    # tick and never fills a batch the others wait behind. Rare, so few.
    still_due: set[int] = set()

    def deliver(learner: DueLearner, at: datetime) -> str | None:
        if rasa_down.is_set() or time.monotonic() >= deadline:
            return None  # stays due for the next tick
        outcome = _deliver(session_factory, rasa_client, settings, learner, at)
        if outcome == "rasa_unavailable":
            rasa_down.set()
        return outcome

    with ThreadPoolExecutor(settings.schedule.dispatch_concurrency) as pool:
        while not rasa_down.is_set() and time.monotonic() < deadline:
            # Later batches see the clock move on: their quiet hours and slots as of then.
            at = now + timedelta(seconds=time.monotonic() - started) if taken else now
            with session_scope(session_factory) as session:
                due = find_due(session, at, settings.schedule.due_batch_size, held, still_due)
            batch = [learner for learner in due if learner.id not in taken]
            still_due.update(learner.id for learner in due if learner.id in taken)
            if not batch:
                if len(due) < settings.schedule.due_batch_size:
                    break
                continue  # read again without them
            # The tick's first learner alone: if Rasa is down, one call finds out.
            # Then several at once (different learners; Rasa serves concurrent
            # conversations), which keeps Rasa busy while this process writes.
            outcomes = [deliver(learner, at) for learner in batch[:1]] if not taken else []
            outcomes += pool.map(partial(deliver, at=at), batch[len(outcomes) :])
            taken.update(learner.id for learner in batch)
            summary["due"] += len(batch)
            summary.update(outcome for outcome in outcomes if outcome is not None)
            if len(due) < settings.schedule.due_batch_size:
                break  # that was everyone due
    return dict(summary)


def _deliver(
    sessions: sessionmaker[Session],
    rasa: IntentTrigger,
    settings: Settings,
    learner: DueLearner,
    now: datetime,
) -> str:
    try:
        if is_quiet(
            now, learner.timezone, settings.schedule.quiet_start, settings.schedule.quiet_end
        ):
            until = quiet_ends_at(
                now, learner.timezone, settings.schedule.quiet_start, settings.schedule.quiet_end
            )
            with session_scope(sessions) as session:
                move_slot(session, learner, until)
            return "skipped_quiet"
    except ScheduleError as error:
        log.error("learner %s: schedule unusable, unscheduled: %s", learner.public_id, error)
        with session_scope(sessions) as session:
            move_slot(session, learner, None)
        return "invalid_schedule"

    if learner.channel == ChannelName.WHATSAPP and not whatsapp_window_open(
        learner.last_inbound_at, now
    ):
        with session_scope(sessions) as session:
            queued = queue_window_template(session, learner, settings, now)
        return "window_template" if queued else "slot_moved"

    try:
        messages = rasa.trigger_intent(
            learner.public_id,
            LESSON_DUE_INTENT,
            metadata={"channel": learner.channel, "language": learner.language},
        )
    except RasaUnavailable as error:
        log.warning("due lesson of %s: Rasa unavailable: %s", learner.public_id, error)
        return "rasa_unavailable"
    except RasaRejected as error:
        log.error("due lesson of %s rejected by Rasa: %s", learner.public_id, error)
        with session_scope(sessions) as session:
            move_slot(session, learner, now + REJECTED_RETRY)
        return "failed"

    with session_scope(sessions) as session:
        queue_lesson(session, learner, replies_from_rasa(messages), settings, now)
    return "triggered" if messages else "no_reply"


def move_slot(session: Session, due: DueLearner, slot: datetime | None) -> bool:
    """Move the learner's due slot unless someone moved it since this tick read it."""
    return schedule.move_slot(session, due.id, due.slot, slot)


def slot_key(learner: DueLearner, kind: str, index: int = 0) -> str:
    return f"{kind}:{learner.public_id}:{learner.slot.isoformat()}:{index}"


def queue_lesson(
    session: Session, due: DueLearner, replies: list[Reply], settings: Settings, now: datetime
) -> int:
    """Write the turn's messages to the outbox and move the slot on; return rows written."""
    # The compare-and-set goes first: on SQLite it opens the write transaction,
    # so that what is read below cannot change before the commit.
    claimed = move_slot(session, due, None)
    learner = session.get(Learner, due.id, populate_existing=True)
    if learner is None:
        return 0
    written = sum(
        write_reply(session, slot_key(due, "lesson", index), learner.id, reply, now)
        for index, reply in enumerate(replies)
        if learner.is_reachable or reply.allow_when_opted_out
    )
    if any(reply.kind == OutboxKind.LESSON for reply in replies):
        schedule.lesson_queued(learner, now)
    if not claimed:
        # Rescheduled while Rasa ran (the learner asked for a lesson or changed
        # their time, or the course ended): the messages go, the new schedule stands.
        log.info("due lesson of %s: slot moved meanwhile, kept", due.public_id)
        return written
    try:
        schedule.schedule_next_lesson(learner, now, settings)
    except ScheduleError as error:
        # The lesson is in the outbox: losing it over a bad preference would
        # start it again every minute.
        log.error("learner %s: schedule unusable, unscheduled: %s", due.public_id, error)
        schedule.unschedule(learner)
    return written


def queue_window_template(
    session: Session, due: DueLearner, settings: Settings, now: datetime
) -> bool:
    """Send the approved template; the lesson waits for the learner's reply."""
    if not move_slot(session, due, None):
        return False
    learner = session.get(Learner, due.id, populate_existing=True)
    if learner is None:
        return False
    write_reply(
        session,
        slot_key(due, "window"),
        learner.id,
        window_template(session, learner, settings),
        now,
    )
    schedule.hold_for_template(learner, now)
    return True
