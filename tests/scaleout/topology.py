"""The scale-out topology as real processes: two Rasa servers, two workers, two schedulers.

Built on the fault suite's machinery (``tests.faults``: its process table,
Twilio stand-in, simulated learners and ledger), with what production
beyond one machine changes: the app database and Rasa's tracker store on
PostgreSQL, Rasa's lock store on Redis, ``rasa.urls`` listing both servers.
Every process is started with the command line `lessonbot up` uses
(``bot.local.up.process_table``).
"""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from tests.faults import appside
from tests.faults.processes import Spec
from tests.faults.scale import Scale
from tests.faults.stack import RASA_READY_SECONDS, RasaServer, Secrets, free_port
from tests.faults.system import System

REDIS = ("127.0.0.1", 6379)
# Not the lock store's usual db 1, nor any other test's: flushed at each run.
REDIS_DB = 11
# The worker's Rasa timeout; Rasa's conversation lock outlives it by 10 s
# (bot.local.up: TICKET_LOCK_LIFETIME), which bounds how long a learner whose
# turn was in flight on a killed server waits for its lock.
RASA_TIMEOUT_SECONDS = 8
SCHEDULER_REFUSED_EXIT = 3


def flush_redis(db: int) -> None:
    """Empty one Redis database (RESP over a socket: the app's environment has no client)."""
    command = f"*2\r\n$6\r\nSELECT\r\n${len(str(db))}\r\n{db}\r\n*1\r\n$7\r\nFLUSHDB\r\n"
    try:
        with socket.create_connection(REDIS, timeout=5) as connection:
            connection.sendall(command.encode())
            answer = b""
            while answer.count(b"\r\n") < 2:
                chunk = connection.recv(64)
                if not chunk:
                    break
                answer += chunk
    except OSError as error:
        pytest.fail(f"the scale-out test needs Redis on {REDIS[0]}:{REDIS[1]}: {error}")
    if answer != b"+OK\r\n+OK\r\n":
        pytest.fail(f"Redis did not flush db {db}: {answer!r}")


class ScaleOut(System):
    """web, actions, two workers, one scheduler and two Rasa servers, on one database."""

    def __init__(
        self, workdir: Path, database_url: str, tracker_url: str, scale: Scale, workers: int = 2
    ) -> None:
        # The session's secrets and the action server's port; its own Rasa is not started.
        holder = RasaServer(workdir, Secrets())
        holder.tracker_url = tracker_url
        self.rasa_urls = [f"http://127.0.0.1:{free_port()}" for _ in range(2)]
        self.workers = workers
        settings = {
            "LESSONBOT_RASA_URLS": ",".join(self.rasa_urls),
            "LESSONBOT_RASA_LOCK_STORE_URL": f"redis://{REDIS[0]}:{REDIS[1]}/{REDIS_DB}",
            "LESSONBOT_RASA_TIMEOUT_SECONDS": str(RASA_TIMEOUT_SECONDS),
        }
        super().__init__(holder, workdir, database_url, scale, settings)

    @property
    def rasa_names(self) -> list[str]:
        return ["rasa1", "rasa2"]

    def specs(self) -> dict[str, Spec]:
        shared = super().specs()
        env = self.env()
        settings = appside.settings_from(env)
        table = appside.commands(settings)
        app_env = appside.environment(settings, env)
        rasa_env = appside.environment(settings, env, "rasa")
        specs = {name: spec for name, spec in shared.items() if name not in ("worker", "scheduler")}
        for name, url in zip(self.rasa_names, self.rasa_urls, strict=True):
            specs[name] = Spec(
                *table[name], rasa_env, self._rasa_loaded(url), ready_seconds=RASA_READY_SECONDS
            )
        for n in range(1, self.workers + 1):
            specs[f"worker{n}"] = Spec(*table["worker"], app_env, log_marker="worker: channel")
        specs["scheduler"] = shared["scheduler"]
        return specs

    def _rasa_loaded(self, url: str):  # type: ignore[no-untyped-def]
        def loaded() -> bool:
            import httpx

            try:
                status = httpx.get(
                    f"{url}/status", params={"token": self.rasa.secrets.rasa_token}, timeout=2
                )
            except httpx.HTTPError:
                return False
            return status.status_code == 200 and bool(status.json().get("model_file"))

        return loaded

    def start(self) -> None:
        specs = self.specs()
        for name, spec in specs.items():
            self.processes.start(name, spec, wait=False)
        for name in specs:
            self.processes.wait_ready(name)

    def second_scheduler(self) -> subprocess.CompletedProcess[str]:
        """Start another scheduler on the same database, as a careless operator would."""
        spec = self.processes.specs["scheduler"]
        return subprocess.run(
            spec.command,
            cwd=spec.cwd,
            env=spec.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def stop(self) -> None:
        self.processes.stop_all()
