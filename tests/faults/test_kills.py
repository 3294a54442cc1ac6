"""kill -9 of each process at random points while learners talk and a broadcast goes out.

Each process is restarted at once, as a process manager would. Whatever the
moment, no message may be lost or sent twice, and nobody may get anything
after their STOP. (A webhook posted while the web process is down never
reaches the app: counted as unreachable, the one thing a restart cannot save.)
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.faults.run import BROADCAST_AT, Run

pytestmark = [pytest.mark.faults, pytest.mark.rasa]


def schedule_kills(run: Run, name: str) -> None:
    run.broadcast_at()
    if name == "scheduler":
        # Its work here is feeding the broadcast: kill it while it does.
        run.kills_during_broadcast(name, run.scale.kills)
        return
    for point in run.random_points(run.scale.kills, low=BROADCAST_AT + 0.02):
        run.at(point, f"kill -9 {name}, restarted", run.kill_and_restart(name))


def test_no_fault(fault_run: Callable[..., Run]) -> None:
    """The same run with nothing killed: what the other rows are measured against."""
    run = fault_run("no fault")
    run.broadcast_at()
    run.play()
    run.finish()


@pytest.mark.parametrize("name", ["worker", "web", "scheduler", "actions"])
def test_kill9(fault_run: Callable[..., Run], name: str) -> None:
    run = fault_run(f"kill -9 {name}")
    # Posts that find no web process listening cannot be the app's to keep.
    run.allow_unreachable = name == "web"
    schedule_kills(run, name)
    run.play()
    run.finish()


def test_kill9_worker_on_postgresql(fault_run: Callable[..., Run]) -> None:
    run = fault_run("kill -9 worker", database="postgresql")
    schedule_kills(run, "worker")
    run.play()
    run.finish()


def test_kill9_rasa(fault_run: Callable[..., Run]) -> None:
    """Rasa killed once and restarted (a minute or two to load): an outage.

    The broadcast starts as Rasa dies, so the STOPs of its last recipients
    arrive while Rasa is down: they must take effect all the same.
    """
    run = fault_run("kill -9 rasa")
    (point,) = run.random_points(1, low=0.05, high=0.4)

    def kill_rasa_then_broadcast() -> None:
        run.system.kill9("rasa")
        run.system.start_again("rasa", wait=False)
        run.send_broadcast()

    run.at(point, "kill -9 rasa (restarting), broadcast sent, STOPs", kill_rasa_then_broadcast)
    run.play()
    run.system.wait_ready("rasa")
    run.finish()
