"""The fault table: one row per scenario, printed and kept in test-artifacts/faults.json.

    python -m tests.faults.report [test-artifacts/faults.json]

prints the table of a run written before (what `make faults` shows at the end),
so that the README can quote a named run: the file names the commit, whether
the tree was clean, the scale and the seed.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.faults import appside

DEFAULT_PATH = appside.PROJECT_ROOT / "test-artifacts" / "faults.json"
COLUMNS = (
    ("scenario", "scenario"),
    ("db", "database"),
    ("in", "messages_in"),
    ("answered", "answered"),
    ("told-failed", "told_failed"),
    ("pending", "pending"),
    ("lost", "lost"),
    ("unreach.", "unreachable"),
    ("dup", "duplicated"),
    ("opted-out sent", "opted_out_sent"),
    ("bcast sent/rcpt", "broadcast"),
    ("bcast missing", "broadcast_missing"),
    ("webhook >15 s", "webhook_late"),
    ("s", "seconds"),
    ("result", "result"),
)


def _git(*args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=appside.PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    return done.stdout.strip()


def run_header(scale: str, seed: int) -> dict[str, Any]:
    """What names a run: when, which code, how big, which seed, on what machine."""
    return {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git("rev-parse", "--short", "HEAD"),
        "clean_tree": _git("status", "--porcelain", "--untracked-files=no") == "",
        "scale": scale,
        "seed": seed,
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} cores",
        "command": "LESSONBOT_FAULTS_SCALE=" + scale + " make faults",
    }


def write(path: Path, header: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"run": header, "scenarios": rows}, indent=2, ensure_ascii=False))


def _cell(row: dict[str, Any], key: str) -> str:
    numbers = row.get("numbers", {})
    if key == "broadcast":
        if not numbers.get("broadcast_recipients"):
            return "-"
        return f"{numbers['broadcast_sent']}/{numbers['broadcast_recipients']}"
    if key == "result":
        return "ok" if row["passed"] else "FAIL"
    if key == "seconds":
        return f"{row['seconds']:.0f}"
    value = row.get(key, numbers.get(key, ""))
    return str(value)


def table(header: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """A Markdown table of the run, then each failing scenario's reasons."""
    names = [title for title, _ in COLUMNS]
    lines = [
        f"Fault run {header['started']}, commit {header['commit']}"
        f"{'' if header['clean_tree'] else ' (uncommitted changes)'}, scale {header['scale']},"
        f" seed {header['seed']}, {header['machine']}",
        "",
        "| " + " | ".join(names) + " |",
        "|" + "|".join(" --- " for _ in names) + "|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row, key) for _, key in COLUMNS) + " |")
    for row in rows:
        if not row["passed"]:
            lines.append(f"\n{row['scenario']} ({row['database']}):")
            lines += [f"  - {failure}" for failure in row["failures"]]
    return "\n".join(lines)


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PATH
    if not path.exists():
        sys.exit(f"{path}: no fault run recorded yet (run `make faults`)")
    data = json.loads(path.read_text())
    print(table(data["run"], data["scenarios"]))


if __name__ == "__main__":
    main()
