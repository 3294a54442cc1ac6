"""Pooling benchmark runs (bench/pool.py): all their turns over all their time."""

from __future__ import annotations

from typing import Any

from bench import pool


def _row(turns: int, seconds: float, server: str = "rasa") -> dict[str, Any]:
    return {"turns": turns, "seconds": seconds, "server": server, "cpu_ms_per_turn": {server: 30.0}}


def _turn_run(patched: tuple[int, float], nlu: tuple[int, float]) -> dict[str, Any]:
    rounds = [
        {
            "bare_rasa": _row(100, 10.0, "rasa_unpatched"),
            "bare_rasa_patched": _row(*patched),
            "lessonbot_fast_path": _row(*nlu),
            "lessonbot_nlu_only": _row(*nlu),
        }
    ]
    return {"turn_throughput": {"rounds": rounds}}


def test_runs_pool_as_all_turns_over_all_time_not_as_a_mean_of_ratios() -> None:
    # Run one: 1.0 of patched; run two: 0.5 of patched, twice as long.
    fast = _turn_run(patched=(300, 10.0), nlu=(300, 10.0))
    slow = _turn_run(patched=(300, 10.0), nlu=(300, 20.0))
    summary = pool.pooled([fast, slow])["turn_throughput"]
    assert summary["bare_rasa_patched_turns_per_s"] == 30.0
    assert summary["lessonbot_nlu_only_turns_per_s"] == 20.0  # 600 turns in 30 s
    assert summary["ratio_nlu_only_to_patched"] == 0.667  # not (1.0 + 0.5) / 2


def test_the_production_stores_phase_pools_over_the_files_that_have_it() -> None:
    def servers(bare: float, one: float, two: float) -> dict[str, Any]:
        rows = {
            key: [_row(300, 300 / rate)]
            for key, rate in (("bare", bare), ("one", one), ("two", two))
        }
        return {"rasa_servers": {"rounds": rows}}

    skipped = {"rasa_servers": "skipped: PostgreSQL unavailable"}
    ratios = pool.server_ratios([servers(30, 27, 33), skipped, servers(30, 27, 33)])
    assert ratios is not None
    assert ratios["runs"] == 2
    assert ratios["ratio_one_to_bare_patched"] == 0.9
    assert pool.server_ratios([skipped]) is None


def test_the_fast_path_row_is_pooled_only_over_the_runs_that_have_it() -> None:
    older = {"rasa_servers": {"rounds": {"bare": [_row(200, 10.0)], "one": [_row(180, 10.0)]}}}
    newer = {
        "rasa_servers": {
            "rounds": {
                "bare": [_row(300, 10.0)],
                "one": [_row(270, 10.0)],
                "one_fast": [_row(330, 10.0)],
            }
        }
    }
    ratios = pool.server_ratios([older, newer])
    assert ratios is not None
    assert ratios["ratio_one_to_bare_patched"] == 0.9  # 450 / 500 over both runs
    assert ratios["one_server_fast_path_turns_per_s"] == 33.0  # newer's rounds alone
    assert ratios["ratio_one_fast_path_to_bare_patched"] == 1.1  # against newer's bare alone
    assert ratios["fast_path_runs"] == 1
    assert "ratio_two_to_one" not in ratios
