"""The database locked for 30 s under the webhook: Twilio must still get 200 within 15 s.

Another process holds SQLite's write lock (``BEGIN EXCLUSIVE``) while the
learners write. Twilio waits 15 s for the webhook and does not retry a 5xx,
so the validated message has to be kept (a spool file) and answered 200 in
time, then stored once the database is back, once.

The lock falls while the broadcast is going out (it waits for Twilio to
take the first broadcast message): the sender's claims stall behind it with
rows in flight, and no message may go twice (a CI run caught that case).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from tests.faults import appside
from tests.faults.run import Run

pytestmark = [pytest.mark.faults, pytest.mark.rasa]

LOCK_SECONDS = 30
# How long the lock waits for the broadcast's first send before it falls anyway.
BROADCAST_WAIT_SECONDS = 30.0


def test_database_locked_at_the_webhook(fault_run: Callable[..., Run], tmp_path) -> None:
    run = fault_run(
        "database locked 30 s",
        settings={
            "webhook.spool_directory": str(tmp_path / "spool"),
            "webhook.store_timeout_seconds": "2",
        },
    )
    database = run.system.database_url.removeprefix("sqlite:///")
    lockers: list[subprocess.Popen[str]] = []

    def broadcast_going_out() -> bool:
        return any(
            str(record.get("ref") or "").startswith("broadcast:")
            for record in run.system.twilio_records()
        )

    def lock() -> None:
        deadline = time.monotonic() + BROADCAST_WAIT_SECONDS
        while not broadcast_going_out() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert broadcast_going_out(), "the broadcast had not started when the lock was due"
        locker = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.locker", database, str(LOCK_SECONDS)],
            cwd=appside.PROJECT_ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        lockers.append(locker)
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"

    run.broadcast_at()
    run.at(0.2, f"database locked for {LOCK_SECONDS} s", lock)
    try:
        run.play()
        run.finish()
    finally:
        for locker in lockers:
            locker.kill()
            locker.wait()
            # Closed here, not by the garbage collector during a later test
            # (an unclosed pipe is a ResourceWarning, an error under -W error).
            if locker.stdout is not None:
                locker.stdout.close()
