"""Pacing the sends: no one-second window holds more than the configured rate.

Twilio's throughput is per sender (1 to 100 messages a second): the sender
must keep up with it and never exceed it. One ``Pacer`` is shared by the
sending threads of a process.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class Pacer:
    """Hands out send slots on a grid ``1 / rate`` apart; safe to share between threads.

    A slot is booked after the previous slot, not after the moment its caller
    woke up, so waking a little late does not slow the rate down; and never
    before now, so a quiet spell does not save up slots for a burst. The grid
    runs 1 % under the limit: sends reach the provider with a millisecond or
    so of jitter, and a grid exactly at the limit would let that jitter push
    one message too many into some second.

    The grid alone does not bound what really happens: a thread that wakes
    late (the recording thread held the interpreter, say) starts its send
    together with the next ones. So the moment each send really starts is
    also kept for the last second, and a send waits while ``rate`` sends have
    started within the second before it.
    """

    HEADROOM = 0.99

    def __init__(
        self,
        rate_per_second: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("the send rate must be positive")
        self.interval = 1.0 / (rate_per_second * self.HEADROOM)
        self._clock = clock
        self._sleep = sleep
        self._next_slot = -math.inf
        self._lock = threading.Lock()
        self._per_second = max(1, math.floor(rate_per_second))
        self._starts: deque[float] = deque(maxlen=self._per_second)

    def wait(self) -> None:
        """Block until this caller's slot comes."""
        with self._lock:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
        # One reading of the clock: read twice, the slot may pass in between and
        # the delay come out negative (time.sleep refuses it).
        delay = slot - now if slot > now else 0.0
        if delay > 0:
            self._sleep(delay)
        while (delay := self._start_or_wait()) > 0:
            self._sleep(delay)

    def _start_or_wait(self) -> float:
        """Record a send starting now, or how long to wait so that no second holds too many."""
        with self._lock:
            now = self._clock()
            if len(self._starts) == self._per_second and now - self._starts[0] < 1.0:
                return self._starts[0] + 1.0 - now
            self._starts.append(now)
            return 0.0
