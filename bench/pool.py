"""Pool the rounds of several benchmark runs: all their turns over all their time.

    .venv/bin/python -m bench.pool bench/results-turns-a.json bench/results-turns.json ...

On a shared 2-core machine one run's ratio moves by a fifth between runs of
the same code, so the README judges the throughput goals on several runs
pooled. Prints the turn phase's summary (``throughput.summary_rounds``) and
the production stores' ratios over every round of the files given; a file
without a phase is passed over for it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench import throughput


def turn_rounds(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for result in results for r in result.get("turn_throughput", {}).get("rounds", [])]


def server_ratios(results: list[dict[str, Any]]) -> dict[str, float] | None:
    """The production stores' rates and ratios over every round of every run that has them."""
    phases = [r["rasa_servers"] for r in results if isinstance(r.get("rasa_servers"), dict)]
    if not phases:
        return None
    summary = throughput.server_summary(_rows(phases))
    # A row added later (the fast path) is judged against the runs that have it.
    with_fast = [phase for phase in phases if "one_fast" in phase["rounds"]]
    if with_fast:
        fast = throughput.server_summary(_rows(with_fast))
        summary["ratio_one_fast_path_to_bare_patched"] = fast["ratio_one_fast_path_to_bare_patched"]
        summary["fast_path_runs"] = len(with_fast)
    return {"runs": len(phases), **summary}


def _rows(phases: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    keys = {key for phase in phases for key in phase["rounds"]}
    return {key: [row for phase in phases for row in phase["rounds"].get(key, [])] for key in keys}


def pooled(results: list[dict[str, Any]]) -> dict[str, Any]:
    rounds = turn_rounds(results)
    return {
        "turn_throughput": throughput.summary_rounds(rounds) if rounds else None,
        "turn_rounds": len(rounds),
        "rasa_servers": server_ratios(results),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path, help="results files of bench.run")
    args = parser.parse_args()
    results = [json.loads(path.read_text(encoding="utf-8")) for path in args.files]
    print(json.dumps(pooled(results), indent=2))


if __name__ == "__main__":
    main()
