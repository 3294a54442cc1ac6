"""The whole system as real processes on free loopback ports, for one fault scenario.

Rasa is slow to start (one to two minutes here), so one Rasa server serves the
whole session (``RasaServer``); it reaches the action server through a fault
proxy. Each scenario gets a ``Stack`` of its own: a fresh database, the Twilio
stand-in, a proxy in front of Rasa (stopping it is Rasa being unreachable),
the action server, gunicorn with ``bot:create_app()``, ``lessonbot worker`` and
``lessonbot scheduler``, each started with the command line `lessonbot up`
uses and the run's settings in its environment.
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography.fernet import Fernet

from tests.faults import appside
from tests.faults.processes import Processes, Spec, http_ok

APP_BIN = Path(sys.executable).parent
RASA_READY_SECONDS = 360.0
STAFF_EMAIL = "faults@example.org"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Secrets:
    """Test credentials for one session: every process gets them from the environment."""

    account_sid: str = field(default_factory=lambda: "AC" + secrets.token_hex(16))
    auth_token: str = field(default_factory=lambda: secrets.token_hex(16))
    service_sid: str = field(default_factory=lambda: "MG" + secrets.token_hex(16))
    hash_key: str = field(default_factory=lambda: secrets.token_hex(32))
    encryption_key: str = field(default_factory=lambda: Fernet.generate_key().decode())
    rasa_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))

    def env(self) -> dict[str, str]:
        return {
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_MESSAGING_SERVICE_SID": self.service_sid,
            "LESSONBOT_PHONE_HASH_KEY": self.hash_key,
            "LESSONBOT_PHONE_ENCRYPTION_KEY": self.encryption_key,
            "LESSONBOT_RASA_TOKEN": self.rasa_token,
            "LESSONBOT_SECRET_KEY": self.secret_key,
        }


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def run_cli(
    env: dict[str, str], *args: str, stdin: str | None = None, exits: tuple[int, ...] = (0,)
) -> str:
    """Run `lessonbot ARGS` as staff would; return its output, fail loudly on another exit."""
    settings = appside.settings_from(env)
    done = subprocess.run(
        [str(APP_BIN / "lessonbot"), *args],
        env=appside.environment(settings, env),
        cwd=appside.PROJECT_ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode not in exits:
        raise RuntimeError(
            f"lessonbot {args[0]} {args[1]}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout


def prepare_database(env: dict[str, str]) -> None:
    """Migrate the database with `lessonbot db upgrade` and create the staff account."""
    run_cli(env, "db", "upgrade")
    password = secrets.token_urlsafe(16)
    run_cli(
        env,
        "users",
        "create",
        "--email",
        STAFF_EMAIL,
        "--role",
        "staff",
        "--password-stdin",
        stdin=password + "\n",
    )


class RasaServer:
    """One Rasa server for the session, its actions reached through a fault proxy."""

    def __init__(self, workdir: Path, secrets_: Secrets) -> None:
        self.workdir = workdir
        self.secrets = secrets_
        self.port = free_port()
        self.actions_proxy_port = free_port()
        self.actions_port = free_port()  # the action server of the current scenario
        self.tracker_url = f"sqlite:///{workdir / 'rasa_tracker.db'}"
        self.processes = Processes(workdir)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def actions_proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_proxy_port}"

    def env(self) -> dict[str, str]:
        return self.secrets.env() | {
            "LESSONBOT_DATABASE_URL": f"sqlite:///{self.workdir / 'unused.db'}",
            "LESSONBOT_RASA_URL": self.url,
            # Rasa calls the action server at this port: the proxy's.
            "LESSONBOT_RASA_ACTIONS_PORT": str(self.actions_proxy_port),
            "LESSONBOT_RASA_TRACKER_STORE_URL": self.tracker_url,
        }

    def start(self) -> None:
        proxy = python_module(
            "tests.faults.proxy",
            "--port",
            str(self.actions_proxy_port),
            "--target",
            f"http://127.0.0.1:{self.actions_port}",
        )
        self.processes.start(
            "actions-proxy",
            Spec(
                proxy,
                appside.PROJECT_ROOT,
                appside.environment(appside.settings_from(self.env()), {}),
                http_ok(f"{self.actions_proxy_url}/_faults/mode"),
            ),
        )
        settings = appside.settings_from(self.env())
        command, cwd = appside.commands(settings)["rasa"]
        spec = Spec(
            command,
            cwd,
            appside.environment(settings, self.env(), "rasa"),
            self.loaded,
            ready_seconds=RASA_READY_SECONDS,
        )
        self.processes.start("rasa", spec)

    def loaded(self) -> bool:
        """Rasa answers and has its model (the action server is checked per scenario)."""
        try:
            status = httpx.get(
                f"{self.url}/status", params={"token": self.secrets.rasa_token}, timeout=2
            )
        except httpx.HTTPError:
            return False
        return status.status_code == 200 and bool(status.json().get("model_file"))

    def set_actions_mode(self, **mode: object) -> None:
        httpx.post(
            f"{self.actions_proxy_url}/_faults/mode", json=mode, timeout=5
        ).raise_for_status()

    def stop(self) -> None:
        self.processes.stop_all()
