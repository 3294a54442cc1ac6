"""One scenario from start to verdict: set up, load, faults on a timeline, settle, ledger, row.

A test builds a ``Run`` (through the ``fault_run`` fixture), schedules its
faults at points of the learners' load (fractions of its duration, random
ones drawn from the run's seeded generator), and calls ``finish``: the row
goes to the table whatever happens, then the checks every scenario shares
(nothing lost, nothing duplicated, nothing sent after STOP, nothing stalled,
every setting the scenario needs supported) and the scenario's own fail the
test with the numbers.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.faults import appside, seed
from tests.faults.learners import LANGUAGES, Sent, SimLearner, Simulator, make_learners, stopping
from tests.faults.ledger import Ledger, build
from tests.faults.scale import Scale
from tests.faults.snapshot import progress, take
from tests.faults.system import System

# No change in the queues for this long means stalled: longer than a dead
# worker's lease on a message (3 x 6 s + 30 s) and than the retry backoff cap.
STALL_SECONDS = 60.0
# Learners in the middle of a course who write STOP just as a broadcast starts
# (the last ones it reaches): it must not reach them after their STOP.
STOPS_PER_BROADCAST_SHARE = 0.5  # of the conversing learners' number
STOP_RATE = 20.0
# When the broadcast starts, as a fraction of the learners' load: faults then
# fall while it is being sent.
BROADCAST_AT = 0.1


@dataclass
class Recorder:
    """The rows of the session's table, in the order the scenarios ran."""

    header: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)
    path: Any = None

    def add(self, row: dict[str, Any]) -> None:
        from tests.faults import report

        self.rows.append(row)
        if self.path is not None:
            report.write(self.path, self.header, self.rows)


@dataclass
class Event:
    fraction: float
    what: str
    action: Callable[[], None]


class Run:
    def __init__(
        self,
        name: str,
        database: str,
        system: System,
        scale: Scale,
        rng: random.Random,
        recorder: Recorder,
        missing_settings: list[str],
    ) -> None:
        self.name = name
        self.database = database
        self.system = system
        self.scale = scale
        self.rng = rng
        self.recorder = recorder
        self.missing_settings = missing_settings
        self.learners: list[SimLearner] = make_learners(rng, scale.learners)
        self.simulator = self._simulator(self.learners, scale.inbound_per_second)
        self.simulators = [self.simulator]
        self.opted_out_before: list[str] = []
        self.stoppers: list[SimLearner] = []
        self.broadcast_id: int | None = None
        self.events: list[Event] = []
        self.log: list[str] = []
        self.failures: list[str] = []
        self.allow_unreachable = False
        self.started = time.monotonic()

    # --- set-up and load --------------------------------------------------------

    def prepare(self, broadcast_draft: int | None) -> None:
        """Seed the silent learners; the broadcast draft is sent later, on the timeline."""
        env = self.system.env()
        groups = seed.seed_learners(
            env, self.rng, self.scale.broadcast_silent, self.scale.opted_out
        )
        self.opted_out_before = groups["opted_out"]
        count = max(2, int(self.scale.learners * STOPS_PER_BROADCAST_SHARE))
        last = range(len(groups["active"]) - count, len(groups["active"]))
        self.stoppers = stopping(
            [groups["active"][n] for n in last], [LANGUAGES[n % len(LANGUAGES)] for n in last]
        )
        self.broadcast_id = broadcast_draft

    def _simulator(self, learners: list[SimLearner], rate: float) -> Simulator:
        secrets = self.system.rasa.secrets
        return Simulator(learners, rate, self.system.web_url, secrets.auth_token)

    def send_broadcast(self) -> None:
        """Send the broadcast; at once, the last learners it will reach write STOP."""
        assert self.broadcast_id is not None, "this run was made without a broadcast"
        seed.send_broadcast(self.system.env(), self.broadcast_id)
        stops = self._simulator(self.stoppers, STOP_RATE)
        self.simulators.append(stops)
        self.learners = self.learners + self.stoppers
        stops.start()

    @property
    def sent(self) -> dict[str, Sent]:
        return {sid: m for simulator in self.simulators for sid, m in simulator.sent.items()}

    def at(self, fraction: float, what: str, action: Callable[[], None]) -> None:
        """Do ``action`` when this fraction of the load has been sent (may be above 1)."""
        self.events.append(Event(fraction, what, action))

    def after(self, seconds: float, what: str, action: Callable[[], None]) -> None:
        """Do ``action`` this many seconds after the load started."""
        self.at(seconds / self.simulator.duration, what, action)

    def kill_and_restart(self, name: str) -> Callable[[], None]:
        """An event: kill -9 ``name`` and start it again at once, as a process manager would."""

        def action() -> None:
            self.system.kill9(name)
            self.system.start_again(name)

        return action

    def kills_during_broadcast(self, name: str, count: int) -> None:
        """Kill -9 ``name`` at random points of the broadcast's progress (messages Twilio took).

        Points in time would often fall before or after the broadcast, which
        takes seconds at the small size; the feed and the sender are what a
        kill of the scheduler or the worker should catch in the middle.
        """
        recipients = self.scale.broadcast_silent
        marks = sorted(
            self.rng.randrange(recipients // 10, recipients * 9 // 10) for _ in range(count)
        )

        def kill_as_it_sends() -> None:
            start = self.system.twilio_stats()["taken"]
            deadline = time.monotonic() + self.scale.settle_seconds
            for mark in marks:
                while self.system.twilio_stats()["taken"] < start + mark:
                    if time.monotonic() > deadline:
                        self.log.append(f"{self.elapsed():6.1f} s: sending stopped before {mark}")
                        return
                    time.sleep(0.05)
                self.log.append(f"{self.elapsed():6.1f} s: {mark} more taken: kill -9 {name}")
                self.kill_and_restart(name)()

        self.at(BROADCAST_AT + 0.01, f"kill -9 {name} as the broadcast goes", kill_as_it_sends)

    def broadcast_at(self, fraction: float = BROADCAST_AT) -> None:
        self.at(fraction, "broadcast sent, STOPs from its last recipients", self.send_broadcast)

    def random_points(self, count: int, low: float = 0.1, high: float = 0.9) -> list[float]:
        return sorted(self.rng.uniform(low, high) for _ in range(count))

    def elapsed(self) -> float:
        return time.monotonic() - self.simulator.started

    def play(self) -> None:
        """Start the learners' load and do the scheduled events at their time."""
        self.simulator.start()
        for event in sorted(self.events, key=lambda e: e.fraction):
            delay = event.fraction * self.simulator.duration - self.elapsed()
            if delay > 0:
                time.sleep(delay)
            self.log.append(f"{self.elapsed():6.1f} s: {event.what}")
            event.action()

    # --- the end ----------------------------------------------------------------

    def settle(self) -> str:
        """Wait until the queues are empty, or stop moving, or the time is up; say which."""
        for simulator in self.simulators:
            simulator.join()
        deadline = time.monotonic() + self.scale.settle_seconds
        last: Any = None
        moved = time.monotonic()
        while time.monotonic() < deadline:
            counts = progress(self.system.database_url)
            stats = self.system.twilio_stats()
            state = (counts, stats["taken"])
            if state != last:
                last, moved = state, time.monotonic()
            stored = sum(n for name, n in counts.items() if name.startswith("in_"))
            acked = sum(m.acked for m in self.sent.values())
            if (
                not counts.get("in_pending")
                and not counts.get("out_pending")
                and not counts.get("bc_waiting")
                and not stats["callbacks_waiting"]
                and stored >= acked
            ):
                return "drained"
            if time.monotonic() - moved > STALL_SECONDS:
                return f"stalled: nothing moved for {STALL_SECONDS:.0f} s ({counts})"
            time.sleep(1.0)
        return f"not drained in {self.scale.settle_seconds:.0f} s"

    def ledger(self) -> Ledger:
        """The ledger as things stand (also in the middle of a run)."""
        settings = appside.settings_from(self.system.env())
        return build(
            self.sent,
            self.learners,
            self.opted_out_before,
            self.system.twilio_records(),
            take(self.system.database_url),
            settings.secrets.phone_hash_key,
        )

    def check(self, holds: bool, failure: str) -> None:
        if not holds:
            self.failures.append(failure)

    def finish(self) -> Ledger:
        """Settle, count, record the row, then fail the test if any promise was broken."""
        return self.verdict(self.finish_counting())

    def finish_counting(self) -> Ledger:
        """Settle and count; the scenario may ``check`` more before ``verdict``."""
        ending = self.settle()
        self.log.append(f"{self.elapsed():6.1f} s: {ending}")
        ledger = self.ledger()
        ledger.details["twilio"] = self.system.twilio_stats()
        return ledger

    def verdict(self, ledger: Ledger) -> Ledger:
        """Record the scenario's row, then fail with the numbers if any check failed."""
        failures = [*self.missing_settings, *self.failures, *self._shared_checks(ledger)]
        self.recorder.add(
            {
                "scenario": self.name,
                "database": self.database,
                "scale": self.scale.name,
                "seed": self.recorder.header["seed"],
                "seconds": round(time.monotonic() - self.started, 1),
                "numbers": ledger.numbers(),
                "details": ledger.details,
                "timeline": self.log,
                "failures": failures,
                "passed": not failures,
            }
        )
        if failures:
            raise AssertionError(
                f"{self.name} (seed {self.recorder.header['seed']}): "
                + "; ".join(failures)
                + f"\nnumbers: {ledger.numbers()}\ndetails: {ledger.details}"
                + f"\ntimeline: {self.log}"
            )
        return ledger

    def _shared_checks(self, ledger: Ledger) -> list[str]:
        found = []
        details = ledger.details
        for name, what in [
            ("lost", "messages lost"),
            ("duplicated", "messages sent twice"),
            ("opted_out_sent", "messages sent to learners who had opted out"),
            ("pending", "messages still pending (stalled)"),
            ("broadcast_missing", "broadcast recipients who got nothing"),
            ("webhook_late", "webhooks answered later than Twilio's 15 s (or not at all)"),
        ]:
            if getattr(ledger, name):
                found.append(f"{getattr(ledger, name)} {what}")
        if ledger.unreachable and not self.allow_unreachable:
            found.append(f"{ledger.unreachable} webhooks found no web process listening")
        if details["stop_not_applied"]:
            found.append(f"{details['stop_not_applied']} STOPs did not opt the learner out")
        if details["told_failed_wrong_language"]:
            found.append(
                f"{details['told_failed_wrong_language']} failure notices not in the learner's"
                " language"
            )
        if ledger.holding_max > 1:
            found.append(f"a learner got {ledger.holding_max} holding replies (at most 1)")
        refused = {k: n for k, n in details["twilio"]["callbacks"].items() if k[0] in "45"}
        if refused:
            found.append(f"status callbacks refused by the web process: {refused}")
        return found
