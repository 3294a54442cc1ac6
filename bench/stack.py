"""The processes a benchmark run starts, on free loopback ports, and their memory.

Every process is started exactly as `lessonbot up` starts it (``bot.up``'s
command lines and environment), except that its settings come from the
environment of this run: a temporary SQLite database, test secrets, the Twilio
channel pointed at the local stand-in. Each one logs to a file of the run.
Besides that Rasa (patched, through rasa_runtime), a second Rasa server with
the same model runs as installed (Rasa's own `rasa` script): the baseline.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx
from cryptography.fernet import Fernet

from bot.local.up import (
    APP_BIN,
    BACKGROUND_NICENESS,
    NLU_DIR,
    RASA_BIN,
    actions_command,
    in_background,
    process_environment,
)
from bot.local.up import rasa_command as up_rasa_command
from bot.settings import PROJECT_ROOT, Settings, load_settings

BENCH_DIR = Path(__file__).resolve().parent
RASA_SITE = BENCH_DIR / "rasa_site"
ACCOUNT_SID = "AC" + "be" * 16
SERVICE_SID = "MG" + "be" * 16
TWILIO_NUMBER = "+15005550006"
PUBLIC_URL = "https://lessonbot.example.org"
RASA_STARTUP_SECONDS = 300
# The Rasa server lessonbot uses (as `lessonbot up` runs it, patched), and the
# same Rasa as installed, unpatched: what a deployer of plain Rasa runs.
PATCHED = "rasa"
UNPATCHED = "rasa_unpatched"
# A second patched Rasa, for the one-against-two-servers rows (bench.run._servers).
SECOND = "rasa_second"
RASA_NAMES = (PATCHED, UNPATCHED, SECOND)
PATCH_LOG_LINE = "rasa_runtime: Rasa 3.6.21 checked;"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Ports:
    rasa: int = field(default_factory=free_port)
    rasa_unpatched: int = field(default_factory=free_port)
    rasa_second: int = field(default_factory=free_port)
    actions: int = field(default_factory=free_port)
    web: int = field(default_factory=free_port)
    standin: int = field(default_factory=free_port)


def bench_environment(workdir: Path, ports: Ports, database_url: str) -> dict[str, str]:
    """What every lessonbot process of the run reads its settings from."""
    return {
        "LESSONBOT_DATABASE_URL": database_url,
        "LESSONBOT_PUBLIC_URL": PUBLIC_URL,
        "LESSONBOT_RASA_URL": f"http://127.0.0.1:{ports.rasa}",
        "LESSONBOT_RASA_ACTIONS_PORT": str(ports.actions),
        "LESSONBOT_RASA_TRACKER_STORE_URL": f"sqlite:///{workdir / 'rasa_tracker.db'}",
        "LESSONBOT_TWILIO_API_BASE_URL": f"http://127.0.0.1:{ports.standin}",
        # Test values: the Twilio channel is on, so the app takes every secret
        # from the environment; nothing is read from or written to var/.
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": secrets.token_hex(16),
        "TWILIO_MESSAGING_SERVICE_SID": SERVICE_SID,
        "LESSONBOT_PHONE_HASH_KEY": secrets.token_hex(32),
        "LESSONBOT_PHONE_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "LESSONBOT_RASA_TOKEN": secrets.token_urlsafe(24),
        "LESSONBOT_SECRET_KEY": secrets.token_hex(32),
    }


def settings_from(env: dict[str, str]) -> Settings:
    """The run's settings, as its processes will read them."""
    saved = dict(os.environ)
    try:
        os.environ.update(env)
        return load_settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


class Stack:
    """Start, stop and watch the run's processes; every one is stopped at the end."""

    def __init__(self, workdir: Path, ports: Ports, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.ports = ports
        self.settings = settings_from(env)
        self.env = process_environment(self.settings, "worker") | env
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: dict[str, IO[bytes]] = {}
        # The niceness Rasa had in the last phase measured without lessonbot.
        self.niceness_note = 0

    # --- starting -------------------------------------------------------------

    def spawn(
        self,
        name: str,
        command: list[str],
        cwd: Path = PROJECT_ROOT,
        env: dict[str, str] | None = None,
    ) -> subprocess.Popen[bytes]:
        log = (self.workdir / f"{name}.log").open("ab")
        self._logs[name] = log
        process = subprocess.Popen(
            command, cwd=cwd, env=self.env | (env or {}), stdout=log, stderr=subprocess.STDOUT
        )
        self.processes[name] = process
        return process

    def start_standin(self) -> None:
        self.spawn(
            "standin", [sys.executable, "-m", "bench.standin", "--port", str(self.ports.standin)]
        )
        self._wait_http(f"{self.standin_url}/_bench/records", "standin", 30)

    def start_actions(self) -> None:
        self.spawn("actions", in_background(actions_command(self.settings)))

    def start_rasa(self, name: str = PATCHED, stores: dict[str, str] | None = None) -> None:
        """`rasa run` as `lessonbot up` runs it, with the REST, lessonbot and Twilio channels.

        ``UNPATCHED``: the same arguments to Rasa's own `rasa` script instead of
        rasa_runtime, on a port and a tracker database of its own. ``SECOND``:
        patched, on a port and a tracker database of its own (the worker sends
        each learner to one server, so each conversation lives in one tracker).
        ``stores``: settings for Rasa's stores instead of these (several servers
        share a tracker store and a lock store).
        """
        credentials = self.workdir / "credentials.yml"
        credentials.write_text(
            "rest:\n"
            "rasa_runtime.channel.LessonbotInput:\n"
            "twilio:\n"
            f"  account_sid: {ACCOUNT_SID}\n"
            f"  auth_token: {self.env['TWILIO_AUTH_TOKEN']}\n"
            f'  twilio_number: "{TWILIO_NUMBER}"\n'
        )
        settings = self.settings
        if name != PATCHED:
            # A tracker database of its own (the endpoints file is written from these).
            tracker = f"sqlite:///{self.workdir / f'{name}_tracker.db'}"
            settings = settings.with_overrides({"rasa.tracker_store_url": tracker})
        if stores:
            settings = settings.with_overrides(stores)
        command = up_rasa_command(settings, self.rasa_port(name))
        command[command.index("--credentials") + 1] = str(credentials)
        env = {
            "PYTHONPATH": f"{RASA_SITE}{os.pathsep}{self.env['PYTHONPATH']}",
            "BENCH_TWILIO_API_URL": self.standin_url,
        }
        if name == UNPATCHED:
            # Rasa's own script cannot read the token from the environment as
            # rasa_runtime does: this run's throwaway token goes on its command line.
            command = [str(RASA_BIN), *command[command.index("run") :]]
            command += [f"--auth-token={self.settings.rasa.token}"]  # it may begin with "-"
        self.spawn(name, in_background(command), cwd=NLU_DIR, env=env)

    def wait_rasa(self) -> float:
        """Wait until every Rasa started has its model and the actions answer; return seconds.

        Also make sure that each Rasa is what its rows say: only the patched
        one logged rasa_runtime's line.
        """
        started = time.monotonic()
        deadline = started + RASA_STARTUP_SECONDS
        waiting = [name for name in RASA_NAMES if name in self.processes]
        while waiting:
            self._check_alive(*waiting, "actions")
            waiting = [name for name in waiting if not self._rasa_ready(name)]
            if waiting:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{', '.join(waiting)} did not start in time; see its log")
                time.sleep(1)
        for name in (name for name in RASA_NAMES if name in self.processes):
            logged = PATCH_LOG_LINE in (self.workdir / f"{name}.log").read_text(errors="replace")
            if logged != (name != UNPATCHED):
                raise RuntimeError(f"{name} is {'' if logged else 'not '}patched; see its log")
        return time.monotonic() - started

    def _rasa_ready(self, name: str) -> bool:
        try:
            status = httpx.get(
                f"{self.rasa_url_of(name)}/status",
                params={"token": self.settings.rasa.token},
                timeout=2,
            )
            actions = httpx.get(f"http://127.0.0.1:{self.ports.actions}/health", timeout=2)
        except httpx.HTTPError:
            return False
        loaded = status.status_code == 200 and status.json().get("model_file")
        return bool(loaded) and actions.status_code == 200

    def start_web(self, name: str = "web", port: int | None = None, **env: str) -> str:
        """gunicorn with the app factory, as `lessonbot up` runs it; return its URL."""
        port = port or self.ports.web
        self.spawn(
            name,
            [
                str(APP_BIN / "gunicorn"),
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                # Threads let the requests of one process share a commit
                # (bot.ingest) instead of each waiting for its own.
                "--threads",
                "8",
                "bot:create_app()",
            ],
            env=env,
        )
        url = f"http://127.0.0.1:{port}"
        self._wait_http(f"{url}/healthz", name, 60)
        return url

    def start_worker(
        self, name: str = "worker", probe: list[str] | None = None, **env: str
    ) -> None:
        """The real `lessonbot worker`; with ``probe``, the same loop timed (bench.probe).

        Returns once the worker has logged that its loops run.
        """
        if probe is None:
            command = [str(APP_BIN / "lessonbot"), "worker"]
        else:
            command = [sys.executable, "-m", "bench.probe", *probe]
        log = self.workdir / f"{name}.log"
        already = log.read_text(errors="replace").count("worker: channel") if log.exists() else 0
        self.spawn(name, in_background(command), env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self._check_alive(name)
            if log.read_text(errors="replace").count("worker: channel") > already:
                return
            time.sleep(0.1)
        raise RuntimeError(f"{name} did not start:\n{self.log_tail(name)}")

    # --- stopping -------------------------------------------------------------

    def stop(self, name: str, timeout: float = 30) -> None:
        process = self.processes.pop(name, None)
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log = self._logs.pop(name, None)
        if log:
            log.close()

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    # --- looking --------------------------------------------------------------

    def rasa_port(self, name: str) -> int:
        return {UNPATCHED: self.ports.rasa_unpatched, SECOND: self.ports.rasa_second}.get(
            name, self.ports.rasa
        )

    def rasa_url_of(self, name: str) -> str:
        return f"http://127.0.0.1:{self.rasa_port(name)}"

    @property
    def rasa_url(self) -> str:
        """The Rasa that lessonbot's processes use (the patched one)."""
        return self.rasa_url_of(PATCHED)

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.web}"

    @property
    def standin_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.standin}"

    def pid(self, name: str) -> int:
        return self.processes[name].pid

    @contextmanager
    def as_deployed_alone(self, *names: str) -> Iterator[None]:
        """Run ``names`` at normal priority meanwhile, as their own deployment would.

        lessonbot runs Rasa and the actions behind its web process
        (``bot.up.in_background``); bare Rasa and Rasa's Twilio connector are
        measured without that handicap. Needs the right to raise a priority
        (root, or CAP_SYS_NICE); without it they stay niced, and the results
        say so (``niceness_of_rasa``).
        """
        pids = [pid for name in names for pid in _tree(self.pid(name))]
        self.niceness_note = 0
        try:
            for pid in pids:
                os.setpriority(os.PRIO_PROCESS, pid, 0)
        except PermissionError:
            self.niceness_note = BACKGROUND_NICENESS
        try:
            yield
        finally:
            for pid in pids:
                with suppress(ProcessLookupError):
                    os.setpriority(os.PRIO_PROCESS, pid, BACKGROUND_NICENESS)

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.workdir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def _check_alive(self, *names: str) -> None:
        for name in names:
            process = self.processes.get(name)
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{name} exited early:\n{self.log_tail(name)}")

    def _wait_http(self, url: str, name: str, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._check_alive(name)
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{name} did not answer in {seconds:.0f} s:\n{self.log_tail(name)}")


# --- memory ---------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MiB."""
    tree, total, todo = _children(), 0, [pid]
    while todo:
        current = todo.pop()
        total += _rss_kib(current)
        todo.extend(tree.get(current, []))
    return total / 1024


class MemoryWatch:
    """Sample the resident memory of named process trees until stopped; keep the peaks.

    ``pids`` is called at each sample: processes come and go between phases.
    """

    def __init__(self, pids: Callable[[], dict[str, int]], interval: float = 0.5) -> None:
        self.pids = pids
        self.interval = interval
        self.peak_mib: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory", daemon=True)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids().items():
                self.peak_mib[name] = max(self.peak_mib.get(name, 0.0), tree_rss_mib(pid))
            self._stop.wait(self.interval)


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime, fields 14 and 15 of proc(5), counted from after the name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and its live descendants."""
    return sum(_cpu_seconds(member) for member in _tree(pid))


def _tree(pid: int) -> list[int]:
    """A process and its live descendants."""
    children, members, todo = _children(), [], [pid]
    while todo:
        current = todo.pop()
        members.append(current)
        todo.extend(children.get(current, []))
    return members
