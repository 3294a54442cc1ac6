"""scripts/bench_learners.py at a tiny size, so that the benchmark cannot rot unnoticed."""

from __future__ import annotations

import tempfile

import pytest

from bench.postgres import scratch_database
from scripts import bench_learners

TINY = 400


def check(result: dict) -> None:  # type: ignore[type-arg]
    assert result["rows"]["learner"] == TINY
    found = {name: figures["found"] for name, figures in result["queries"].items()}
    assert found["first page"] == TINY and found["page 1000"] == TINY  # the last page instead
    assert found["tag (50 %)"] == TINY // 2
    assert found["tag (1 %)"] == 4  # cohort-3: learners 3, 103, 203, 303
    assert found["phone number"] == 1 and found["learner id"] == 1
    assert found["paused, French"] == len(
        [n for n in range(1, TINY + 1) if n % 4 == 2 and bench_learners.status(n) == "paused"]
    )
    for figures in result["queries"].values():
        assert 0 < figures["median_ms"] <= figures["p95_ms"]


def test_the_benchmark_seeds_and_times_on_sqlite() -> None:
    with tempfile.TemporaryDirectory() as directory:
        check(bench_learners.bench(f"sqlite:///{directory}/bench.db", TINY, runs=3))


@pytest.mark.postgres
def test_the_benchmark_seeds_and_times_on_postgresql() -> None:
    with scratch_database("test_bench_learners") as url:
        check(bench_learners.bench(url, TINY, runs=3))


def test_the_table_flags_a_search_over_the_target() -> None:
    figures = {"found": 3, "median_ms": 12.5, "p95_ms": 400.0}
    text = bench_learners.table({"sqlite": {"queries": {"tag (1 %)": figures}}})
    assert "tag (1 %)" in text and "12.50" in text
    assert text.splitlines()[-1].endswith("NO")
