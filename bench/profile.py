"""Where a turn's CPU goes: py-spy samples of the worker, Rasa and the action server.

py-spy (from PyPI, installed into .venv by `make bench`; a benchmark-only dev
tool, not a dependency of the app) attaches to the running processes, samples
them 100 times a second without pausing them, and writes collapsed stacks.
Each sample is put in the first category whose marker appears in its stack;
the shares are of the samples in which the process was running Python code.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.local.up import APP_BIN

CATEGORIES: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "rasa": [
        ("tracker store (SQLite)", ("tracker_store", "sqlalchemy")),
        ("NLU pipeline (featurizers, DIET)", ("parse_message",)),
        ("dialogue policies", ("predict_next_with_tracker", "rasa/core/policies")),
        ("calling the action server", ("rasa/core/actions",)),
        ("dialogue bookkeeping (events, tracker)", ("rasa/core/processor", "rasa/shared/core")),
        ("HTTP server, event loop", ("sanic", "asyncio")),
    ],
    "actions": [
        ("SQL (SQLAlchemy, sqlite3)", ("sqlalchemy",)),
        ("lessonbot action code", ("nlu/actions", "bot/", "lessons/")),
        ("rasa_sdk (request, tracker)", ("rasa_sdk",)),
        ("HTTP server, event loop", ("sanic", "asyncio")),
    ],
    "worker": [
        ("SQL (SQLAlchemy, sqlite3)", ("sqlalchemy",)),
        ("HTTP client to Rasa and Twilio", ("urllib3", "http/client", "httpx", "httpcore")),
        ("lessonbot code", ("bot/",)),
    ],
}


def py_spy() -> Path | None:
    found = APP_BIN / "py-spy"
    if found.exists():
        return found
    other = shutil.which("py-spy")
    return Path(other) if other else None


class Profiler:
    """py-spy on a few processes, started and stopped around one phase."""

    def __init__(self, workdir: Path, targets: Callable[[], dict[str, int]]) -> None:
        self.workdir = workdir
        self.targets = targets  # called at start: the worker exists only by then
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.outputs: dict[str, Path] = {}

    def start(self) -> None:
        binary = py_spy()
        if binary is None:
            return
        for name, pid in self.targets().items():
            self.outputs[name] = self.workdir / f"profile-{name}.txt"
            command = [str(binary), "record", "--pid", str(pid), "--format", "raw"]
            command += ["--output", str(self.outputs[name]), "--nonblocking", "--nolineno"]
            command += ["--subprocesses", "--rate", "100"]
            log = (self.workdir / f"py-spy-{name}.log").open("wb")
            self.processes[name] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)

    def stop(self) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGINT)  # py-spy writes its file on Ctrl-C
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def summary(self, turns: int) -> dict[str, Any]:
        if not self.processes:
            return {"skipped": "py-spy is not installed"}
        result: dict[str, Any] = {"turns": turns}
        for name, path in self.outputs.items():
            if path.exists():
                result[name] = summarise(path.read_text(errors="replace"), name, turns)
        return result


# A sample whose innermost frame is one of these is a thread waiting (for a
# socket, a lock, the event loop's poll), which py-spy cannot always tell
# from running when the wait is in native code (uvloop, sqlite3's sleep).
IDLE_LEAVES = (
    *("select", "wait", "_recv", "_send", "serve", "_run_server_forever", "run_forever"),
    *("sleep", "accept", "read", "recv", "recv_into", "poll"),
)


def _idle(leaf: str) -> bool:
    name = leaf.split(" (", 1)[0].rsplit(".", 1)[-1]
    return name in IDLE_LEAVES


def summarise(collapsed: str, kind: str, turns: int, rate: float = 100.0) -> dict[str, Any]:
    shares: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = idle = 0
    for line in collapsed.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        if _idle(stack.rsplit(";", 1)[-1]):
            idle += count
            continue
        total += count
        shares[_category(stack, kind)] += count
        leaves[stack.rsplit(";", 1)[-1]] += count
    if not total:
        return {"samples": 0}
    return {
        "samples": total,
        "idle_samples_left_out": idle,
        "sampled_cpu_ms_per_turn": round(1000 * total / rate / max(1, turns), 1),
        "shares_pct": {name: round(100 * n / total, 1) for name, n in shares.most_common()},
        "top_functions_pct": {name: round(100 * n / total, 1) for name, n in leaves.most_common(8)},
    }


def _category(stack: str, kind: str) -> str:
    for name, markers in CATEGORIES[kind]:
        if any(marker in stack for marker in markers):
            return name
    return "other"
