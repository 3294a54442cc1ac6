"""What a turn costs the worker in SQL (``scripts/bench_worker_turn.py``).

Statements are where the worker's CPU goes (README, "Where a turn's time
goes"): one more query on every turn is a cost every learner's message pays,
so a change to the count is a decision, not an accident.
"""

from __future__ import annotations

from scripts.bench_worker_turn import passes

TURNS = 20


def test_a_turn_costs_the_worker_eight_statements_and_two_commits() -> None:
    single, threaded = passes(TURNS)

    # Per turn, in two transactions. The claim: its read and its update, the
    # message and learner, the learners' hand-off state. The end: the
    # learner's status read afresh, the message settled (compare-and-set), the
    # two replies. The pass ends with one claim that finds nothing (a read).
    assert single.statements == 8 * TURNS + 1
    assert single.commits == 2 * TURNS + 1
    # With 8 threads one claim (and one hand-off read) serves several turns.
    assert threaded.turns == TURNS
    assert threaded.statements < single.statements
    assert threaded.commits < single.commits
