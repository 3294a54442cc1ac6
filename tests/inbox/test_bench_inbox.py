"""scripts/bench_inbox.py at a tiny size, so that the benchmark cannot rot unnoticed."""

from __future__ import annotations

import pytest

from scripts import bench_inbox

TINY = bench_inbox.Plan(conversations=50, messages=400)


def check(result: dict) -> None:  # type: ignore[type-arg]
    assert result["rows"]["conversation"] == 2 * TINY.conversations  # one open, one closed each
    assert result["rows"]["inbound_message"] + result["rows"]["outbox_message"] == TINY.messages
    page = result["queries"]["open_conversations"]
    assert page["result"] == bench_inbox.listing.PAGE_SIZE
    assert result["queries"]["waiting_count"]["result"] == 35  # 70 % of the open ones wait
    for figures in result["queries"].values():
        assert 0 < figures["median_ms"] <= figures["p95_ms"]


def test_the_benchmark_seeds_and_times_on_sqlite() -> None:
    check(bench_inbox.bench_sqlite(TINY, runs=3))


@pytest.mark.postgres
def test_the_benchmark_seeds_and_times_on_postgresql() -> None:
    check(bench_inbox.bench_postgres(TINY, runs=3))


def test_the_table_names_each_query_and_the_target() -> None:
    figures = {"result": 1, "median_ms": 12.5, "p95_ms": 400.0}
    text = bench_inbox.table({"sqlite": {"queries": {"open_conversations": figures}}})
    assert "open_conversations" in text and "12.50" in text and "300" in text
    assert text.splitlines()[-1].endswith("NO")  # a p95 over the target is flagged
