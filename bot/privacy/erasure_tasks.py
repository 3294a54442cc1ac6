"""What a learner's erasure leaves to do outside the app's tables, retried until done.

``erase_learner`` writes one ``ErasureTask`` row per step in the erasure's own
transaction; the scheduler runs the due ones every minute
(``run_due_tasks``). A step that fails (Rasa's database or Twilio down, a
message Twilio still holds as in flight) is tried again later, ever less
often, and never given up.

- ``rasa_tracker``: delete the learner's conversation from Rasa's tracker
  store. It waits while any message of the learner is still pending: a turn
  in Rasa would write the conversation back.
- ``provider_messages``: delete the provider's record of every message the
  learner sent or was sent (Twilio keeps bodies and numbers), then drop those
  ids from the app's tables: the inbound MessageSid becomes ``erased:<row
  id>``, the outbox's provider sid goes, and so does its idempotency key,
  which is built from the inbound MessageSid. It waits until nothing of the
  learner is pending, so that the erasure's confirmation has been sent.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messaging.channels import Channel, ChannelError
from bot.messaging.outbox import ERASED_SID_PREFIX, erased_id, forget_provider_ids
from bot.messaging.tracker_store import TrackerStore, TrackerStoreUnavailable
from bot.models import ErasureTask, InboundMessage, Learner, OutboxMessage
from bot.vocab import ErasureStep, InboundStatus, OutboxStatus

log = logging.getLogger(__name__)

# Retries: 30 s, 1 min, 2 min ... at most an hour apart, for as long as it takes.
BACKOFF_BASE_SECONDS = 30.0
BACKOFF_CAP_SECONDS = 3600.0
# While the learner still has a message in a turn or in the outbox, look again soon.
WAIT_FOR_MESSAGES = timedelta(minutes=1)
TASKS_PER_RUN = 50


@dataclass(frozen=True)
class DueTask:
    id: int
    step: ErasureStep
    learner_id: int
    sender_id: str  # the learner's opaque id: Rasa's conversation id
    attempts: int


class StillBusy(Exception):
    """The learner still has a message pending: the step must wait."""


def schedule_erasure_tasks(session: Session, learner: Learner, now: datetime) -> None:
    """Add the learner's steps (once), due now; do not commit."""
    existing = set(session.scalars(select(ErasureTask.step).filter_by(learner_id=learner.id)))
    session.add_all(
        ErasureTask(learner_id=learner.id, step=step, created_at=now, next_attempt_at=now)
        for step in ErasureStep
        if step not in existing
    )


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempts - 1)))


def run_due_tasks(
    sessions: sessionmaker[Session],
    tracker: TrackerStore,
    channel: Channel,
    now: datetime,
    limit: int = TASKS_PER_RUN,
) -> dict[str, int]:
    """Run the steps that are due; each is recorded in a transaction of its own."""
    with session_scope(sessions) as session:
        due = [
            DueTask(task.id, task.step, task.learner_id, public_id, task.attempts)
            for task, public_id in session.execute(
                select(ErasureTask, Learner.public_id)
                .join(Learner, Learner.id == ErasureTask.learner_id)
                .where(ErasureTask.done_at.is_(None), ErasureTask.next_attempt_at <= now)
                .order_by(ErasureTask.next_attempt_at, ErasureTask.id)
                .limit(limit)
            )
        ]
    outcomes: dict[str, int] = {}
    for task in due:
        outcome = run_task(sessions, task, tracker, channel, now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def run_task(
    sessions: sessionmaker[Session],
    task: DueTask,
    tracker: TrackerStore,
    channel: Channel,
    now: datetime,
) -> str:
    """Run one step: ``done``, ``waiting`` (messages pending) or ``retry`` (it failed)."""
    try:
        if task.step == ErasureStep.RASA_TRACKER:
            _delete_conversation(sessions, task, tracker)
        else:
            _delete_provider_messages(sessions, task, channel)
    except StillBusy:
        _record(sessions, task, next_attempt_at=now + WAIT_FOR_MESSAGES, attempted=False)
        return "waiting"
    except (TrackerStoreUnavailable, ChannelError) as error:
        attempts = task.attempts + 1
        log.warning(
            "erasure of %s, %s: attempt %d failed, retrying: %s",
            task.sender_id,
            task.step,
            attempts,
            error,
        )
        _record(sessions, task, next_attempt_at=now + backoff(attempts), error=str(error))
        return "retry"
    _record(sessions, task, next_attempt_at=now, done_at=now)
    log.info("erasure of %s, %s: done", task.sender_id, task.step)
    return "done"


def _delete_conversation(
    sessions: sessionmaker[Session], task: DueTask, tracker: TrackerStore
) -> None:
    with session_scope(sessions) as session:
        if _pending_inbound(session, task.learner_id):
            raise StillBusy
    tracker.delete_conversation(task.sender_id)


def _delete_provider_messages(
    sessions: sessionmaker[Session], task: DueTask, channel: Channel
) -> None:
    with session_scope(sessions) as session:
        if _pending_inbound(session, task.learner_id) or _pending_outbox(session, task.learner_id):
            raise StillBusy
        inbound = list(
            session.execute(
                select(InboundMessage.id, InboundMessage.message_sid).where(
                    InboundMessage.learner_id == task.learner_id,
                    InboundMessage.message_sid.not_like(f"{ERASED_SID_PREFIX}%"),
                )
            )
        )
        outbound = list(
            session.execute(
                select(OutboxMessage.id, func.coalesce(OutboxMessage.provider_sid, "")).where(
                    OutboxMessage.learner_id == task.learner_id,
                    OutboxMessage.provider_sid.is_not(None),
                )
            )
        )
    # No transaction is open while the provider answers. Should this process
    # die before the ids are dropped below, the next run asks again: a message
    # already deleted is no error.
    deleted_inbound: list[int] = []
    deleted_outbound: list[int] = []
    try:
        for inbound_id, message_sid in inbound:
            channel.delete_message(message_sid)
            deleted_inbound.append(inbound_id)
        for outbox_id, provider_sid in outbound:
            channel.delete_message(provider_sid)
            deleted_outbound.append(outbox_id)
    finally:
        with session_scope(sessions) as session:
            _drop_ids(session, task.learner_id, deleted_inbound, deleted_outbound)


def _drop_ids(
    session: Session, learner_id: int, inbound_ids: list[int], outbox_ids: list[int]
) -> None:
    """Forget the provider's ids of messages it no longer holds."""
    if inbound_ids:
        session.execute(
            update(InboundMessage)
            .where(InboundMessage.id.in_(inbound_ids))
            .values(message_sid=erased_id(InboundMessage.id))
        )
    forget_provider_ids(session, learner_id, outbox_ids)


def _pending_inbound(session: Session, learner_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    InboundMessage.learner_id == learner_id,
                    InboundMessage.status == InboundStatus.PENDING,
                )
            )
        )
    )


def _pending_outbox(session: Session, learner_id: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    OutboxMessage.learner_id == learner_id,
                    OutboxMessage.status == OutboxStatus.PENDING,
                )
            )
        )
    )


def _record(
    sessions: sessionmaker[Session],
    task: DueTask,
    *,
    next_attempt_at: datetime,
    attempted: bool = True,
    error: str | None = None,
    done_at: datetime | None = None,
) -> None:
    with session_scope(sessions) as session:
        session.execute(
            update(ErasureTask)
            .where(ErasureTask.id == task.id)
            .values(
                next_attempt_at=next_attempt_at,
                attempts=task.attempts + 1 if attempted else task.attempts,
                last_error=error[:300] if error else None,
                done_at=done_at,
            )
        )
