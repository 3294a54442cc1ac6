"""Outage or poison: how a failing turn is counted (bot.messaging.retries)."""

from __future__ import annotations

from datetime import timedelta

from bot.messaging.retries import TurnHealth, budget_spent, outage_backoff, poison_backoff
from tests.builders import NOW


def test_a_message_failing_while_others_are_answered_is_poison():
    health = TurnHealth()
    start = health.mark()
    health.answered(2)
    assert health.failed_alone(1, start)  # Ben's turn was answered while this one failed
    health.answered(3)
    health.answered(4)
    assert health.failed_alone(1, health.mark())


def test_failures_with_nothing_answered_are_an_outage():
    health = TurnHealth()
    assert not health.failed_alone(1, health.mark())
    assert not health.failed_alone(2, health.mark())
    assert not health.failed_alone(1, health.mark())


def test_turns_still_finishing_as_an_outage_begins_do_not_make_it_poison():
    health = TurnHealth()
    started = {message: health.mark() for message in (1, 2, 3)}
    health.answered(9)  # a straggler from before the outage
    assert health.failed_alone(1, started[1])  # the very first failure cannot tell
    assert not health.failed_alone(2, started[2])  # one answered, one other failed
    assert not health.failed_alone(3, started[3])
    # The next try of message 1: since its last, two others failed and none was answered.
    assert not health.failed_alone(1, health.mark())


def test_waits_double_up_to_the_cap(settings):
    settings = settings.with_overrides({"worker.retry_backoff_cap_seconds": 60})
    assert [poison_backoff(n, settings).total_seconds() for n in (1, 2, 3, 7, 100)] == [
        1,
        2,
        4,
        60,
        60,
    ]
    waited = [0, 1, 2, 4, 30, 3600]
    later = [outage_backoff(NOW, NOW + timedelta(seconds=s), settings) for s in waited]
    assert [wait.total_seconds() for wait in later] == [1, 1, 2, 4, 30, 60]


def test_the_budget_counts_from_arrival(settings):
    settings = settings.with_overrides({"worker.outage_budget_seconds": 600})
    assert not budget_spent(NOW, NOW + timedelta(seconds=599), settings)
    assert budget_spent(NOW, NOW + timedelta(seconds=600), settings)
