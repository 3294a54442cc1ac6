"""Start, kill -9 and restart named processes; each in its own process group, with a log.

A process here is one line of `lessonbot up`'s table (or a stand-in), started
in a new session so that ``kill9`` takes its children with it (gunicorn's
workers, say), as a crash of a container or a machine would.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child: be killed if the test process dies without cleaning up (Linux)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class ProcessFailed(RuntimeError):
    """A process exited early or did not become ready; the message ends with its log."""


@dataclass(frozen=True)
class Spec:
    """How to start one process and how to tell that it is ready."""

    command: list[str]
    cwd: Path
    env: dict[str, str]
    # Ready when this answers True, and (if set) when the log holds ``log_marker``
    # once more than before this start (a worker logs a line when its loops run).
    ready: Callable[[], bool] = lambda: True
    log_marker: str | None = None
    ready_seconds: float = 60.0


def http_ok(url: str, **params: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return httpx.get(url, params=params, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    return check


class Processes:
    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.specs: dict[str, Spec] = {}
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: dict[str, IO[bytes]] = {}
        self.events: list[tuple[float, str, str]] = []  # (monotonic time, what, name)
        self._markers_before: dict[str, int] = {}

    def start(self, name: str, spec: Spec | None = None, wait: bool = True) -> None:
        """Start ``name`` (with ``spec``, or as it was started before)."""
        if spec is not None:
            self.specs[name] = spec
        spec = self.specs[name]
        log = self._logs.get(name) or (self.log_dir / f"{name}.log").open("ab")
        self._logs[name] = log
        log.write(f"\n=== faults: starting {name} ===\n".encode())
        log.flush()
        if spec.log_marker:
            self._markers_before[name] = self._log_text(name).count(spec.log_marker)
        self.running[name] = subprocess.Popen(
            spec.command,
            cwd=spec.cwd,
            env=spec.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self.events.append((time.monotonic(), "start", name))
        if wait:
            self.wait_ready(name)

    def wait_ready(self, name: str) -> None:
        spec = self.specs[name]
        deadline = time.monotonic() + spec.ready_seconds
        while time.monotonic() < deadline:
            process = self.running[name]
            if process.poll() is not None:
                raise ProcessFailed(f"{name} exited with {process.returncode}:\n{self.tail(name)}")
            marked = not spec.log_marker or (
                self._log_text(name).count(spec.log_marker) > self._markers_before[name]
            )
            if marked and spec.ready():
                return
            time.sleep(0.2)
        raise ProcessFailed(f"{name} not ready in {spec.ready_seconds:.0f} s:\n{self.tail(name)}")

    def kill9(self, name: str) -> None:
        """SIGKILL the process and everything in its group: no chance to finish anything."""
        process = self.running.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        self.events.append((time.monotonic(), "kill -9", name))

    def restart(self, name: str) -> None:
        self.kill9(name)
        self.start(name)

    def stop(self, name: str, timeout: float = 20.0) -> None:
        """SIGTERM, then SIGKILL if it does not stop in time."""
        process = self.running.pop(name, None)
        if process is None:
            return
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            except ProcessLookupError:
                pass
        self.events.append((time.monotonic(), "stop", name))

    def alive(self, name: str) -> bool:
        process = self.running.get(name)
        return process is not None and process.poll() is None

    def stop_all(self) -> None:
        for name in list(self.running):
            self.stop(name)
        for log in self._logs.values():
            log.close()
        self._logs.clear()

    def _log_text(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def tail(self, name: str, lines: int = 40) -> str:
        return "\n".join(self._log_text(name).splitlines()[-lines:]) or "(no log)"
