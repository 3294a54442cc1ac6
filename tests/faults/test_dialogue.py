"""Rasa and the action server failing: outages wait (within a time budget), poison gives up.

Time is compressed through settings: a 20 s outage budget stands for the
default 6 hours, and `worker.max_attempts` 3 makes a count of attempts run
out inside a 36-second outage, as 8 attempts ran out after about 100 s in the
issue. Every message must end answered, or with the learner told in their
language that it could not be handled; never lost, never sent twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from sqlalchemy import create_engine, text

from tests.faults import appside
from tests.faults.run import Run

pytestmark = [pytest.mark.faults, pytest.mark.rasa]

OUTAGE_BUDGET_SECONDS = 20
BACKOFF_CAP_SECONDS = 5
# A message the budget has run out for is told at its next retry, within the cap.
TOLD_WITHIN_SECONDS = OUTAGE_BUDGET_SECONDS + BACKOFF_CAP_SECONDS + 5
BUDGET_SETTINGS = {
    "worker.outage_budget_seconds": str(OUTAGE_BUDGET_SECONDS),
    "worker.retry_backoff_cap_seconds": str(BACKOFF_CAP_SECONDS),
    "worker.holding_reply_after_seconds": "10",
}
ACTION_FAULT_SECONDS = 9.0
MAX_ATTEMPTS = 3


def test_rasa_down_longer_than_the_budget(fault_run: Callable[..., Run]) -> None:
    """Rasa unreachable for budget + 20 s: those who waited past the budget are told, in time."""
    run = fault_run(
        "rasa down beyond budget", settings=BUDGET_SETTINGS, rasa_via_proxy=True, broadcast=False
    )
    down_at = 0.2 * run.simulator.duration
    outage = OUTAGE_BUDGET_SECONDS + 20

    def look_while_down() -> None:
        now = time.time()
        waiting = run.ledger().pending_since
        overdue = [since for since in waiting if now - since > TOLD_WITHIN_SECONDS]
        run.check(
            not overdue,
            f"{len(overdue)} messages still waiting after {TOLD_WITHIN_SECONDS} s of Rasa being"
            f" down (outage budget {OUTAGE_BUDGET_SECONDS} s): nobody told them",
        )

    run.after(down_at, "Rasa unreachable", lambda: run.system.kill9("rasa-proxy"))
    run.after(down_at + outage - 2, "look at who waits", look_while_down)
    run.after(down_at + outage, "Rasa back", lambda: run.system.start_again("rasa-proxy"))
    run.play()
    ledger = run.finish_counting()
    run.check(ledger.told_failed > 0, "nobody was told that their message could not be handled")
    run.verdict(ledger)


# Who answers badly, how: the action server (Rasa then answers with no messages), or Rasa.
ACTION_FAULTS: list[tuple[str, str, dict[str, object]]] = [
    ("actions", "error", {"status": 500}),
    ("actions", "garbage", {}),
    ("actions", "slow", {"delay": 9}),  # longer than the worker's Rasa timeout (6 s)
    ("rasa", "error", {"status": 500}),
]


def test_action_server_faults(fault_run: Callable[..., Run]) -> None:
    """The action server answers 500, garbage, too slowly, then Rasa 500: an outage, not poison."""
    run = fault_run(
        "actions 500/garbage/slow, rasa 500",
        settings={"worker.max_attempts": str(MAX_ATTEMPTS)},
        rasa_via_proxy=True,
    )
    run.broadcast_at()
    start = 0.2 * run.simulator.duration
    for number, (who, mode, extra) in enumerate(ACTION_FAULTS):
        at = start + number * ACTION_FAULT_SECONDS
        run.after(at, f"{who}: {mode}", _set_mode(run, who, mode, **extra))
        run.after(at + ACTION_FAULT_SECONDS, f"{who}: healthy", _set_mode(run, who, "pass"))
    run.play()
    run.finish()


def test_poison_message(fault_run: Callable[..., Run]) -> None:
    """One learner's turns always get a malformed reply (options: 5) from the actions."""
    run = fault_run("poison message", settings={"worker.max_attempts": str(MAX_ATTEMPTS)})
    victim = run.learners[0]

    def poison() -> None:
        sender = _public_id(run, victim.number)
        run.system.set_actions_mode(mode="poison", senders=[sender])

    run.broadcast_at()
    run.at(0.3, "poison every turn of one learner", poison)
    run.play()
    ledger = run.finish_counting()
    others = [n for n in ledger.told_failed_numbers if n != victim.number]
    run.check(ledger.told_failed > 0, "the poisoned messages were never given up")
    run.check(not others, f"{len(others)} other learners' messages failed with it")
    attempts = _most_attempts(run)
    run.check(
        attempts <= MAX_ATTEMPTS,
        f"a message was tried {attempts} times (worker.max_attempts {MAX_ATTEMPTS})",
    )
    run.verdict(ledger)


def _set_mode(run: Run, who: str, mode: str, **extra: object) -> Callable[[], None]:
    set_mode = run.system.set_actions_mode if who == "actions" else run.system.set_rasa_mode
    return lambda: set_mode(mode=mode, **extra)


def _public_id(run: Run, number: str) -> str:
    """The learner's Rasa conversation id, once the webhook has stored them."""
    settings = appside.settings_from(run.system.env())
    hashed = appside.phone_hash(number, settings.secrets.phone_hash_key)
    engine = create_engine(run.system.database_url)
    try:
        with engine.connect() as connection:
            found = connection.scalar(
                text("SELECT public_id FROM learner WHERE phone_hash = :h"), {"h": hashed}
            )
    finally:
        engine.dispose()
    if found is None:
        raise AssertionError("the learner to poison is not stored yet")
    return str(found)


def _most_attempts(run: Run) -> int:
    engine = create_engine(run.system.database_url)
    try:
        with engine.connect() as connection:
            return int(connection.scalar(text("SELECT max(attempts) FROM inbound_message")) or 0)
    finally:
        engine.dispose()
