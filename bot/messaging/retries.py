"""When a turn fails: is the system down (wait, within a time budget) or is the message poison?

The rule (README, "When Rasa or a message fails"):

- *Outage* -- counts against ``worker.outage_budget_seconds``, measured from
  when the message arrived, however many tries that takes; the try does not
  count as an attempt. Rasa could not be reached (connection refused, no model
  loaded), or it was reached but could not complete the turn (5xx, no answer
  in time, an empty answer because an action failed) *and, since this
  message's previous try, no more other turns were answered than failed*:
  turns fail alike.
- *Poison* -- counts against ``worker.max_attempts``: Rasa failed this turn
  while, since the message's previous try, it answered more other turns than
  it failed; or our own handling of this one message raised. Rasa refusing the request (4xx), or an
  answer we cannot read, fails the message at once (see ``bot.messaging.turns``).

Turns answered and failed are counted in this worker process (``TurnHealth``): with no
other traffic to compare with, a failing message is treated as an outage and
waits for the budget, which errs on the side of answering late over failing
a message that a healthy system would have answered.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from bot.settings import Settings

BACKOFF_BASE_SECONDS = 1.0


class TurnHealth:
    """Turns this process saw answered and failing, and where each failing message last saw them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answered = 0
        self._failed = 0
        self._seen_at_failure: dict[int, tuple[int, int]] = {}

    def mark(self) -> tuple[int, int]:
        """The counts now (a turn takes them when it starts)."""
        with self._lock:
            return self._answered, self._failed

    def answered(self, inbound_id: int) -> None:
        with self._lock:
            self._answered += 1
            self._seen_at_failure.pop(inbound_id, None)

    def settled(self, inbound_id: int) -> None:
        """The message left the queue (failed): forget it."""
        with self._lock:
            self._seen_at_failure.pop(inbound_id, None)

    def failed_alone(self, inbound_id: int, started: tuple[int, int]) -> bool:
        """Record Rasa failing this turn; True if it looks like this message's own fault.

        That is: since the message's previous try (or since this try began),
        more other turns were answered than failed. Turns still finishing as
        an outage begins are answered; the failures that follow outnumber them.
        """
        with self._lock:
            answered_then, failed_then = self._seen_at_failure.get(inbound_id, started)
            alone = self._answered - answered_then > self._failed - failed_then
            self._failed += 1
            self._seen_at_failure[inbound_id] = (self._answered, self._failed)
            return alone


def poison_backoff(attempts: int, settings: Settings) -> timedelta:
    """1 s, 2 s, 4 s ... between tries of a message that fails on its own, up to the cap."""
    seconds = BACKOFF_BASE_SECONDS * 2 ** min(max(attempts - 1, 0), 30)
    return timedelta(seconds=min(settings.worker.retry_backoff_cap_seconds, seconds))


def outage_backoff(received_at: datetime, now: datetime, settings: Settings) -> timedelta:
    """Wait as long again as the message has waited (so the waits double), up to the cap."""
    waited = max(0.0, (now - received_at).total_seconds())
    seconds = max(BACKOFF_BASE_SECONDS, waited)
    return timedelta(seconds=min(settings.worker.retry_backoff_cap_seconds, seconds))


def budget_spent(received_at: datetime, now: datetime, settings: Settings) -> bool:
    return (now - received_at).total_seconds() >= settings.worker.outage_budget_seconds
