"""What a turn costs the worker in SQL (``scripts/bench_worker_turn.py``).

Statements are where the worker's CPU goes (README, "Where a turn's time
goes"): one more query on every turn is a cost every learner's message pays,
so a change to the count is a decision, not an accident.
"""

from __future__ import annotations

from scripts.bench_worker_turn import passes

TURNS = 20


def test_a_turn_costs_the_worker_nine_statements_and_three_commits() -> None:
    single, threaded = passes(TURNS)

    # Per turn: the claim (its read and its update), the message and learner,
    # the hand-off state, the two replies, the learner and message read
    # afresh, the message marked done; the pass ends with one claim that
    # finds nothing (a read, no update).
    assert single.statements == 9 * TURNS + 1
    assert single.commits == 3 * TURNS + 1
    # With 8 threads one claim serves several turns.
    assert threaded.turns == TURNS
    assert threaded.statements < single.statements
