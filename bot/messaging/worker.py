"""`lessonbot worker`: the turn loop and the sender loop.

The turn loops take learners' messages in order and run them through Rasa
(``bot.messaging.turns``), ``worker.turn_concurrency`` of them at once; the sender loop
sends the outbox (``bot.messaging.sender``); the spool loop stores what the webhooks
spooled while the database was stalled (``bot.messaging.replay``). They run here in
threads until SIGTERM or SIGINT; turns and sends in progress are finished before the
process exits.

``run_turns_once`` and ``run_sends_once`` do one pass each and take ``now``:
tests call them directly.

Scaling: on PostgreSQL run as many worker processes as Rasa can serve (claims
skip each other's rows); each process paces its own sends, so give each its
share of the provider's rate. On SQLite run one worker process.
"""

from __future__ import annotations

import logging
import math
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime
from types import FrameType

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import utc_now
from bot.db import make_engine, make_session_factory, session_scope
from bot.logs import configure_logging
from bot.messaging.channels import Channel, make_channel
from bot.messaging.handoff import Desk
from bot.messaging.pacer import Pacer
from bot.messaging.rasa_client import RasaClient
from bot.messaging.replay import replay_spool
from bot.messaging.retries import TurnHealth
from bot.messaging.sender import Sender, SendOutcome
from bot.messaging.spool import Spool
from bot.messaging.turns import TurnOutcome, claim_turns, run_claimed, run_turn
from bot.ops.heartbeats import Pulse
from bot.ops.tally import flush
from bot.settings import Settings

log = logging.getLogger(__name__)

TURNS_PER_PASS = 50
# How long one step of the turn loop waits for a turn to finish.
STEP_WAIT_SECONDS = 0.05
# After an error outside any one message (the database cannot be reached for a
# claim), wait this long before the loop tries again. A message's own failures
# never get here: each waits on its own (``bot.messaging.retries``).
ERROR_PAUSE_SECONDS = 1.0


def run_turns_once(
    sessions: sessionmaker[Session],
    rasa: RasaClient,
    settings: Settings,
    now: datetime,
    limit: int = TURNS_PER_PASS,
    health: TurnHealth | None = None,
    desk: Desk | None = None,
) -> dict[str, int]:
    """Run due messages through Rasa, each once at most (a failed one waits for its retry)."""
    health = health or TurnHealth()
    done: Counter[str] = Counter()
    for _ in range(limit):
        outcome = run_turn(sessions, rasa, settings, now, health, desk)
        if outcome is None:
            break
        done[outcome] += 1
    return dict(done)


def run_sends_once(
    sessions: sessionmaker[Session],
    channel: Channel,
    settings: Settings,
    pacer: Pacer,
    now: datetime,
    limit: int | None = None,
) -> dict[str, int]:
    """Send due outbox rows (about one second's worth by default) and record them all."""
    limit = limit or max(1, math.ceil(settings.sender.rate_per_second))
    sender = Sender(sessions, channel, settings, pacer)
    try:
        return sender.send_due(now, limit)
    finally:
        sender.finish(now)


class TurnRunner:
    """Runs up to ``worker.turn_concurrency`` learners' turns at once, in threads.

    One claim fills the free threads (``bot.messaging.turns.claim_turns``: at most one
    message per learner, so each learner's messages stay in order), instead
    of each thread polling the database on its own.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        rasa: RasaClient,
        settings: Settings,
        desk: Desk | None = None,
    ) -> None:
        self._sessions = sessions
        self._rasa = rasa
        self._settings = settings
        self._desk = desk
        self.concurrency = settings.worker.turn_concurrency
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="turn")
        self._running: set[Future[TurnOutcome]] = set()
        self.health = TurnHealth()
        # After a claim that found fewer messages than free threads, the next
        # waits for the idle poll or for a turn to end (which may unblock that
        # learner's next message): a claim is a query, and asking every step
        # while the turns run in Rasa was a third of the worker's CPU.
        self._drained_at: float | None = None
        self._turn_ended = False

    def _may_claim(self) -> bool:
        if self._drained_at is None or self._turn_ended:
            return True
        return time.monotonic() - self._drained_at >= self._settings.worker.idle_poll_seconds

    def step(self, now: datetime) -> dict[str, int]:
        """Claim turns for the free threads, wait a moment, count what finished.

        Returns the outcomes, plus ``running``: the turns still in Rasa.
        """
        free = self.concurrency - len(self._running)
        if free > 0 and self._may_claim():
            self._turn_ended = False
            with session_scope(self._sessions) as session:
                turns = claim_turns(session, self._settings, now, free, self._desk)
            self._drained_at = time.monotonic() if len(turns) < free else None
            for turn in turns:
                self._running.add(
                    self._pool.submit(
                        run_claimed,
                        self._sessions,
                        self._rasa,
                        self._settings,
                        turn,
                        now,
                        self.health,
                        self._desk,
                    )
                )
        if self._running:
            wait(self._running, timeout=STEP_WAIT_SECONDS, return_when=FIRST_COMPLETED)
        finished = {future for future in self._running if future.done()}
        self._running -= finished
        self._turn_ended = self._turn_ended or bool(finished)
        done: Counter[str] = Counter(_outcome(future) for future in finished)
        if self._running:
            done["running"] = len(self._running)
        return dict(done)

    def finish(self) -> None:
        """Let the turns in Rasa finish (the worker is stopping)."""
        self._pool.shutdown(wait=True)


def _outcome(future: Future[TurnOutcome]) -> str:
    """A finished turn's outcome; a turn whose failure could not even be recorded is logged."""
    error = future.exception()
    if error is None:
        return future.result()
    # The database failed under this turn: its message is due again when its
    # lease ends. The other turns and the loop go on.
    log.error("worker: a turn could not record its outcome: %r", error)
    return "error"


def run_forever(settings: Settings, desk: Desk) -> None:
    """Run both loops until SIGTERM or SIGINT; ``desk``: the inbox, for hand-offs to staff."""
    configure_logging(settings, "worker")
    engine = make_engine(settings.app.database_url)
    sessions = make_session_factory(engine)
    rasa = RasaClient(settings)
    channel = make_channel(settings)
    sender = Sender(sessions, channel, settings)
    stop = threading.Event()
    # Set when a turn has written replies: the idle sender starts at once
    # instead of at its next poll (a tenth of a second sooner, on average).
    replies_written = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("worker: %s received, finishing the current work", signal.Signals(signum).name)
        stop.set()
        replies_written.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    runner = TurnRunner(sessions, rasa, settings, desk)
    # The turn loop's heartbeat (/readyz): a loop stuck in a claim stops beating.
    pulse = Pulse(sessions, "worker", utc_now())

    def turns() -> dict[str, int]:
        pulse(utc_now())
        done = runner.step(utc_now())
        if done.get(TurnOutcome.ANSWERED):
            sender.nudge()
            replies_written.set()
        return done

    def sends() -> dict[str, int]:
        return sender.step(utc_now())

    spool = Spool(settings.spool_path, settings.secrets.phone_encryption_key)

    def replays() -> dict[str, int]:
        return replay_spool(sessions, spool, settings)

    def sender_idle(seconds: float) -> None:
        replies_written.wait(seconds)
        replies_written.clear()

    # Several turns at once (each a different learner's: bot.messaging.claims keeps each
    # learner's messages in order), so Rasa always has work while the worker
    # waits for it or writes replies; Rasa serves concurrent conversations.
    loops = [
        threading.Thread(target=_loop, args=(name, step, idle, settings, stop), name=name)
        for name, step, idle in [
            ("turns", turns, stop.wait),
            ("sender", sends, sender_idle),
            ("spool", replays, stop.wait),
        ]
    ]
    log.info("worker: channel %s, Rasa at %s", channel.name, ", ".join(settings.rasa.servers))
    for thread in loops:
        thread.start()
    try:
        while not stop.is_set() and all(thread.is_alive() for thread in loops):
            stop.wait(0.5)
    finally:
        stop.set()
        for thread in loops:
            thread.join()
        runner.finish()
        finished = sender.finish(utc_now())
        if finished:
            log.info("worker: recorded the last sends: %s", finished)
        flush(sessions)  # the last turns' and sends' counts (bot.ops.tally)
        rasa.close()
        channel.close()
        engine.dispose()
        log.info("worker: stopped")


def _loop(
    name: str,
    step: Callable[[], dict[str, int]],
    idle: Callable[[float], object],
    settings: Settings,
    stop: threading.Event,
) -> None:
    """Run ``step`` until ``stop``; ``idle(seconds)`` waits when there was nothing to do."""
    while not stop.is_set():
        try:
            done = step()
        except Exception:
            # Logged with its traceback, then retried: one bad row or a database
            # hiccup must not stop every other learner's messages.
            log.exception(
                "worker %s loop: unexpected error; retrying in %.0f s", name, ERROR_PAUSE_SECONDS
            )
            stop.wait(ERROR_PAUSE_SECONDS)
            continue
        if done:
            log.debug("worker %s: %s", name, done)
        # Keep going while there is work (``running``, ``sending``: turns and
        # sends still in flight);
        # poll gently when there is none, and wait a little after a retry so
        # that a backoff is not a busy loop.
        if not done or set(done) & {TurnOutcome.RETRY, SendOutcome.RETRY}:
            idle(settings.worker.idle_poll_seconds)
