"""How big a fault run is: small in `make test`, the issue's sizes with LESSONBOT_FAULTS_SCALE=full.

The issue asks for 2,000 learner messages and a 5,000-recipient broadcast;
that takes about 70 minutes for the whole suite on 2 cores (one Rasa server
answers 10-13 turns a second). `make test` runs the same scenarios smaller,
so that the faults marker stays near ten minutes.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

SCALE_VARIABLE = "LESSONBOT_FAULTS_SCALE"
SEED_VARIABLE = "LESSONBOT_FAULTS_SEED"


@dataclass(frozen=True)
class Scale:
    name: str
    learners: int  # conversing learners (each sends one script: about 12 messages)
    inbound_per_second: float  # the learners' messages arrive at this rate, open loop
    broadcast_silent: int  # active learners who only get the broadcast
    opted_out: int  # learners who said STOP long ago: they must get nothing
    send_rate: float  # sender.rate_per_second
    kills: int  # kill -9 of the process under test during one run
    settle_seconds: float  # longest wait for the queues to drain after the load


SMALL = Scale(
    name="small",
    learners=6,
    inbound_per_second=6.0,
    broadcast_silent=120,
    opted_out=10,
    send_rate=20.0,
    kills=2,
    settle_seconds=240.0,
)
# 167 learners x 12 messages = 2,004 messages (2,087 with the STOPs of the
# broadcast's last recipients); the broadcast starts before any of the 167 has
# finished onboarding, so its recipients are the 5,000 silent ones.
FULL = Scale(
    name="full",
    learners=167,
    inbound_per_second=10.0,
    broadcast_silent=5_000,
    opted_out=100,
    send_rate=100.0,
    kills=5,
    settle_seconds=900.0,
)


def current_scale() -> Scale:
    chosen = os.environ.get(SCALE_VARIABLE, "small").strip().lower()
    if chosen not in ("small", "full"):
        raise ValueError(f"{SCALE_VARIABLE} must be 'small' or 'full', not {chosen!r}")
    return FULL if chosen == "full" else SMALL


def current_seed() -> int:
    """The run's seed: LESSONBOT_FAULTS_SEED to repeat a run, else a fresh one (printed)."""
    given = os.environ.get(SEED_VARIABLE)
    return int(given) if given else secrets.randbelow(2**31)
