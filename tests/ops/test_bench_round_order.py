"""The turn-throughput rounds of `make bench` (bench/run.py): every row takes each place equally.

Whatever slows the machine during a run (the databases growing, a busy
neighbour on the host) must not weigh on lessonbot's rows more than on bare
Rasa's, or the ratios of issue 18 measure the order of the rows.
"""

from __future__ import annotations

from statistics import mean

from bench import run


def test_each_row_runs_once_a_round() -> None:
    for number in range(run._durations(quick=False)["rounds"]):
        assert sorted(run.round_order(number)) == sorted(run.ROW_LABELS)


def test_over_the_full_plan_every_row_has_the_same_mean_place() -> None:
    rounds = run._durations(quick=False)["rounds"]
    places = {
        name: mean(run.round_order(number).index(name) for number in range(rounds))
        for name in run.ROW_LABELS
    }
    assert set(places.values()) == {1.5}  # four rows: places 0 to 3, on average the middle


def test_the_first_round_keeps_the_listed_order() -> None:
    # The quick plan (one round) runs bare Rasa first, as the README's table lists it.
    assert run.round_order(0) == tuple(run.ROW_LABELS)
    assert run.round_order(1) == tuple(reversed(run.ROW_LABELS))


def test_the_production_stores_rounds_alternate_as_well() -> None:
    rounds = run._durations(quick=False)["server_rounds"]
    places = {
        name: mean(
            run.round_order(number, tuple(run.SERVER_ROWS)).index(name) for number in range(rounds)
        )
        for name in run.SERVER_ROWS
    }
    # Every row on average in the middle place: (rows - 1) / 2.
    assert set(places.values()) == {(len(run.SERVER_ROWS) - 1) / 2}
