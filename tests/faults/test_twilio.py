"""Twilio misbehaving: errors, absurd Retry-After, cut-off answers, timeouts, late callbacks.

The stand-in answers a share of the sends with a fault (seeded). A message
Twilio took must never be sent again (one outbox key, one message at
Twilio); a message Twilio did not take must be sent later; one bad answer
must not hold up anybody else's messages.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.faults.run import Run
from tests.faults.system import SENDER_LEASE_SECONDS

pytestmark = [pytest.mark.faults, pytest.mark.rasa]

FAULT_WEIGHTS = {
    "http_429": 0.06,
    "http_500": 0.04,
    "http_503_html": 0.04,
    "malformed_201": 0.03,
    "timeout_before": 0.02,
    "timeout_after": 0.02,
}
# Twilio's Retry-After is seconds; these are what a broken proxy or server may send.
RETRY_AFTER = ["inf", "1e12", "-5", "soon", "2"]
RETRY_AFTER_CAP_SECONDS = 5
# A fifth of the sends fail, so at full size about one row in 10,000 fails six
# times running (the attempts): it must go on within the retry budget, not
# fail. The waits stop doubling at 8 s so that such a row does not outlast the
# run's settle time (production: 300 s).
BACKOFF_CAP_SECONDS = 8


def test_twilio_faults(fault_run: Callable[..., Run]) -> None:
    run = fault_run(
        "twilio 429/5xx/timeouts/bad bodies",
        settings={
            "sender.retry_after_cap_seconds": str(RETRY_AFTER_CAP_SECONDS),
            "sender.retry_backoff_cap_seconds": str(BACKOFF_CAP_SECONDS),
        },
    )
    run.system.plan_twilio(
        weights=FAULT_WEIGHTS, retry_after=RETRY_AFTER, seed=run.rng.randrange(2**31)
    )
    run.broadcast_at()
    run.play()
    run.finish()


def test_status_callbacks_later_than_the_lease(fault_run: Callable[..., Run]) -> None:
    """Callbacks 15 s after the sender's lease, and the worker killed mid-broadcast.

    Twilio answers each send after 0.3 s, as it does at its slower moments, and
    the kills come at random points of the broadcast's progress (so many
    messages taken), so that each finds messages Twilio has taken and the
    sender has not heard of.
    """
    run = fault_run("late status callbacks + kill -9 worker")
    run.system.plan_twilio(callback_delay=SENDER_LEASE_SECONDS + 15, answer_delay=0.3)
    run.broadcast_at()
    run.kills_during_broadcast("worker", run.scale.kills)
    run.play()
    run.finish()
