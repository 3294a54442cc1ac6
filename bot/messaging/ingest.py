"""Group commit for the inbound webhook: several messages stored per commit.

Twilio gets its answer only once the message is committed, so a commit per
request costs each request a disk flush, and SQLite takes one writer at a
time: at a couple of hundred messages a second the flushes, not the CPU,
set the pace. Here the request threads of one web process hand their
messages to one writer thread, which stores whatever has arrived meanwhile
in one transaction and then wakes each request with its own outcome. The
durability is unchanged (nothing is acknowledged before its commit); only
the number of flushes goes down.

A message that fails to store does not take the others down: the batch is
rolled back and each of its messages is stored again on its own, so only
the bad one's request gets the error.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messaging.inbound import InboundSms, store_inbound
from bot.settings import Settings

log = logging.getLogger(__name__)

# The most messages one commit takes: a bound on what a failure has to redo.
MAX_BATCH = 64
# A request gives up waiting after this long (Twilio then retries; a message
# stored after all is recognised by its MessageSid and not stored twice).
WAIT_SECONDS = 20.0


@dataclass
class _Waiting:
    message: InboundSms
    now: datetime
    done: threading.Event = field(default_factory=threading.Event)
    stored: bool = False
    error: BaseException | None = None


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
        if not waiting.done.wait(WAIT_SECONDS):
            raise TimeoutError(f"inbound {message.message_sid} not stored in {WAIT_SECONDS:.0f} s")
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
