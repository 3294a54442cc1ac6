"""Store inbound messages: once per MessageSid, several per commit (group commit).

``store_inbound`` writes one message and tells the learner's record
(``bot.learners.contact``). ``GroupCommit`` is how the webhook calls it:

Twilio gets its answer only once the message is committed, so a commit per
request costs each request a disk flush, and SQLite takes one writer at a
time: at a couple of hundred messages a second the flushes, not the CPU,
set the pace. Here the request threads of one web process hand their
messages to one writer thread, which stores whatever has arrived meanwhile
in one transaction and then wakes each request with its own outcome. The
durability is unchanged (nothing is acknowledged before its commit); only
the number of flushes goes down.

A request to stop (STOP, BAJA, "no more messages" ... in es, en, fr, ht) opts
the learner out in the transaction that stores it.

A message that fails to store does not take the others down: the batch is
rolled back and each of its messages is stored again on its own, so only
the bad one's request gets the error.

A request waits at most ``webhook.store_timeout_seconds`` (``StoreTimeout``):
the webhook then keeps the message in the spool (``bot.messaging.intake``).
The writer skips the messages whose requests gave up; one it had already
taken may be stored as well as spooled, and the replay recognises it by its
MessageSid.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Insert, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.learners import contact, lifecycle
from bot.messaging.inbound import INBOUND, InboundSms
from bot.messaging.keywords import asks_to_stop
from bot.models import Learner
from bot.settings import Settings
from bot.vocab import InboundStatus

log = logging.getLogger(__name__)

# The most messages one commit takes: a bound on what a failure has to redo.
MAX_BATCH = 64


def find_or_create_learner(
    session: Session, message: InboundSms, settings: Settings, now: datetime
) -> Learner:
    """The learner who wrote from this number (a new one on first contact), told of the message."""
    learner = contact.learner_for(session, message.from_number, message.channel, settings, now)
    contact.note_message(learner, message.channel, message.profile_name, settings, now)
    return learner


def _insert_once(insert: Callable[[Table], Any]) -> Insert:
    """INSERT of one inbound message that a second delivery of its MessageSid leaves alone.

    Built once per dialect, on the table rather than the ORM class: the
    webhook's CPU per request decides how much load one web process takes,
    and building the statement and the ORM's bulk-insert path cost more than
    running it.
    """
    statement = insert(INBOUND).values(
        message_sid=bindparam("message_sid"),
        learner_id=bindparam("learner_id"),
        channel=bindparam("channel"),
        body=bindparam("body"),
        num_media=bindparam("num_media"),
        tap_payload=bindparam("tap_payload"),
        tapped_message_sid=bindparam("tapped_message_sid"),
        received_at=bindparam("received_at"),
        status=InboundStatus.PENDING,
        attempts=0,
    )
    # RETURNING tells whether the row went in: an INSERT's rowcount is -1 with
    # SQLAlchemy's psycopg dialect, which read every message as a repeat.
    statement = statement.on_conflict_do_nothing(index_elements=["message_sid"])
    return cast(Insert, statement.returning(INBOUND.c.id))


_INSERT_ONCE = {
    "postgresql": _insert_once(postgresql.insert),
    "sqlite": _insert_once(sqlite.insert),
}


def store_inbound(session: Session, message: InboundSms, settings: Settings, now: datetime) -> bool:
    """Store the message once; False for a repeated delivery (same MessageSid).

    A repeated delivery changes nothing, the learner included: the message is
    inserted first (a concurrent delivery of the same MessageSid cannot break
    the INSERT; the other one wins), and only a stored message touches the learner.
    """
    learner = contact.learner_for(session, message.from_number, message.channel, settings, now)
    values = {
        "message_sid": message.message_sid,
        "learner_id": learner.id,
        "channel": message.channel,
        "body": message.body,
        "num_media": message.num_media,
        "tap_payload": message.tap_payload,
        "tapped_message_sid": message.tapped_message_sid,
        "received_at": now,
    }
    statement = _INSERT_ONCE[session.get_bind().dialect.name]
    if session.execute(statement, values).scalar() is None:
        return False
    contact.note_message(learner, message.channel, message.profile_name, settings, now)
    if asks_to_stop(message.body):
        # STOP takes effect as it is stored, in the same transaction: nothing
        # goes out after it (the sender drops the learner's pending rows but the
        # confirmation), however far behind or down Rasa is. Rasa still gets
        # the message, in order, for the conversation and the confirmation.
        lifecycle.opt_out(learner, now, settings)
        log.info("inbound %s: %s opted out on arrival", message.message_sid, learner.public_id)
    log.info("stored inbound %s from %s", message.message_sid, learner.public_id)
    return True


@dataclass
class _Waiting:
    message: InboundSms
    now: datetime
    done: threading.Event = field(default_factory=threading.Event)
    stored: bool = False
    error: BaseException | None = None
    abandoned: bool = False  # its request gave up waiting (and spooled it)


class StoreTimeout(TimeoutError):
    """The message was not committed in time (the database is stalled)."""


class GroupCommit:
    """Stores inbound messages for the request threads of one process."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self._sessions = sessions
        self._settings = settings
        self._queue: queue.SimpleQueue[_Waiting] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._writer_pid: int | None = None
        self.commits = 0  # for tests and curiosity: transactions committed

    def store(self, message: InboundSms, now: datetime) -> bool:
        """Store the message (False if its MessageSid was stored before); block until committed."""
        self._ensure_writer()
        waiting = _Waiting(message, now)
        self._queue.put(waiting)
        timeout = self._settings.webhook.store_timeout_seconds
        if not waiting.done.wait(timeout):
            waiting.abandoned = True
            raise StoreTimeout(f"inbound message not stored in {timeout:g} s")
        if waiting.error is not None:
            raise waiting.error
        return waiting.stored

    def _ensure_writer(self) -> None:
        # Started on first use in each process: a thread does not survive a
        # fork, and gunicorn may fork after the app was built (--preload).
        with self._lock:
            if self._writer_pid != os.getpid():
                self._writer_pid = os.getpid()
                threading.Thread(target=self._write_forever, name="ingest", daemon=True).start()

    def _write_forever(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[_Waiting]) -> None:
        # A request that gave up has spooled its message: the replay stores it.
        batch = [item for item in batch if not item.abandoned]
        if not batch:
            return
        try:
            with session_scope(self._sessions) as session:
                outcomes = [
                    store_inbound(session, item.message, self._settings, item.now) for item in batch
                ]
            self.commits += 1
        except Exception as error:
            if len(batch) > 1:
                log.warning("a batch of %d inbound messages failed; storing each alone", len(batch))
                for item in batch:
                    self._write([item])
                return
            batch[0].error = error
            batch[0].done.set()
            return
        for item, stored in zip(batch, outcomes, strict=True):
            item.stored = stored
            item.done.set()
