"""`lessonbot up`: run the whole system on one machine (web, worker, scheduler,
rasa, actions) with honcho, logs prefixed per process, Ctrl-C stops them all."""

from __future__ import annotations

import math
import os
import shlex
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click

from bot.local.rasa_stores import (
    LOCK_PASSWORD_VARIABLE,
    TRACKER_PASSWORD_VARIABLE,
    endpoints_path,
    write_endpoints,
)
from bot.settings import PROJECT_ROOT, Settings, load_settings
from bot.settings.sources import SECRET_PATHS, env_names

NLU_DIR = PROJECT_ROOT / "nlu"
MODEL_PATH = NLU_DIR / "models" / "lessonbot.tar.gz"
RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
APP_BIN = Path(sys.executable).parent
# Twilio gives the webhook 15 s and then retries: when the CPU is short, the
# web process goes first. Rasa, the actions, the worker and the scheduler run
# at this niceness: a learner's reply may wait a moment, Twilio's answer not.
BACKGROUND_NICENESS = 10
# The processes that run the app's own code and hold its secrets.
APP_PROCESSES = ("web", "worker", "scheduler")
# Every variable that can carry a secret (TWILIO_AUTH_TOKEN, LESSONBOT_PHONE_HASH_KEY ...).
SECRET_VARIABLES = frozenset(name for path in SECRET_PATHS for name in env_names(path))


def in_background(command: list[str]) -> list[str]:
    """``command`` at a lower CPU priority than the web process (``nice``)."""
    return ["nice", "-n", str(BACKGROUND_NICENESS), *command]


def rasa_command(settings: Settings, port: int, interface: str = "127.0.0.1") -> list[str]:
    """Rasa's HTTP API with a token, on loopback only (CVE-2024-49375).

    Started through ``rasa_runtime`` (README: Rasa runtime patch), found on
    ``process_environment``'s PYTHONPATH. The token is not an argument: a
    command line is readable by every user of the machine (``ps``);
    ``rasa_runtime`` hands Rasa the token from its environment. The
    endpoints file (tracker and lock store) is written from the settings
    now, for this server (``bot.local.rasa_stores``).
    """
    endpoints = write_endpoints(settings, endpoints_path(port))
    return [
        str(RASA_PYTHON),
        "-m",
        "rasa_runtime",
        "run",
        "--enable-api",
        "--interface",
        interface,
        "--port",
        str(port),
        "--model",
        str(MODEL_PATH),
        "--endpoints",
        str(endpoints),
        "--credentials",
        "credentials.yml",
    ]


def web_command(settings: Settings) -> list[str]:
    """gunicorn serving ``bot:create_app()`` with the settings' address, workers and threads.

    Logs and the access log's format: ``bot.ops.gunicorn_conf``.
    """
    app = settings.app
    return [
        str(APP_BIN / "gunicorn"),
        "--config",
        "python:bot.ops.gunicorn_conf",
        "--bind",
        f"{app.web_host}:{app.web_port}",
        "--workers",
        str(app.web_workers),
        # Threads let the requests of one process share a commit
        # (bot.messaging.ingest) instead of each waiting for its own.
        "--threads",
        str(app.web_threads),
        "bot:create_app()",
    ]


def actions_command(settings: Settings) -> list[str]:
    return [
        str(APP_BIN / "python"),
        "-m",
        "rasa_sdk",
        "--actions",
        "nlu.actions",
        "--port",
        str(settings.rasa.actions_port),
    ]


def process_environment(settings: Settings, process: str) -> dict[str, str]:
    """The environment of one process of ``process_table``: only the secrets it uses.

    The app's processes (web, worker, scheduler) get the phone keys, the
    Twilio token, the staff session key and the Rasa token. Rasa gets its own
    token and nothing else secret; the action server gets no secret at all
    (``nlu.actions.context`` loads the settings without them).
    """
    env = {name: value for name, value in os.environ.items() if name not in SECRET_VARIABLES}
    env.update(
        {
            "PYTHONUNBUFFERED": "1",
            # Rasa would otherwise report usage telemetry to its vendor.
            "RASA_TELEMETRY_ENABLED": "false",
            # The action server (Sanic) binds here; never on a public interface.
            "SANIC_HOST": "127.0.0.1",
            "PYTHONPATH": str(PROJECT_ROOT),
        }
    )
    if process == "rasa":
        env["LESSONBOT_RASA_TOKEN"] = settings.rasa.token
        env["TICKET_LOCK_LIFETIME"] = str(lock_lifetime(settings))
        env.update(_store_passwords(settings))
    elif process in APP_PROCESSES:
        env.update({name: value for name, value in os.environ.items() if name in SECRET_VARIABLES})
        env.update(
            {
                "LESSONBOT_RASA_TOKEN": settings.rasa.token,
                "LESSONBOT_PHONE_HASH_KEY": settings.secrets.phone_hash_key,
                "LESSONBOT_PHONE_ENCRYPTION_KEY": settings.secrets.phone_encryption_key,
                "LESSONBOT_SECRET_KEY": settings.secrets.secret_key,
                **_store_passwords(settings),
            }
        )
    elif process != "actions":
        raise ValueError(f"no such process: {process}")
    return env


def lock_lifetime(settings: Settings) -> int:
    """Seconds Rasa holds a conversation's lock at most (its default: 60).

    A server killed in the middle of a turn leaves the lock in Redis until
    it expires, and the learner's next turn on another server waits for it.
    The worker stops waiting for a turn after ``rasa.timeout_seconds`` and
    tries again later, so a lock need not outlive that by much.
    """
    return math.ceil(settings.rasa.timeout_seconds) + 10


def _store_passwords(settings: Settings) -> dict[str, str]:
    """The tracker and lock store passwords, for Rasa's endpoints file and the app's purge."""
    passwords = {
        TRACKER_PASSWORD_VARIABLE: settings.rasa.tracker_store_password,
        LOCK_PASSWORD_VARIABLE: settings.rasa.lock_store_password,
    }
    return {name: value for name, value in passwords.items() if value}


def check_ready() -> None:
    missing = [str(path) for path in (RASA_BIN, MODEL_PATH) if not path.exists()]
    if missing:
        raise click.ClickException(
            "not installed yet: " + ", ".join(missing) + ". Run `make up` from the project root."
        )


def numbered(name: str, count: int) -> list[str]:
    """``worker`` for one, ``worker1``, ``worker2`` ... for several."""
    return [name] if count == 1 else [f"{name}{n}" for n in range(1, count + 1)]


def kind_of(name: str) -> str:
    """The kind of a process of ``process_table`` (``rasa2`` -> ``rasa``)."""
    return name.rstrip("0123456789")


def process_table(settings: Settings, workers: int = 1) -> dict[str, tuple[list[str], Path]]:
    """Each process of the system: its command and the folder it runs in.

    One Rasa server per URL of ``rasa.servers`` (each on its port of this
    machine), ``workers`` workers; one scheduler (it guards itself).
    """
    servers = settings.rasa.servers
    table: dict[str, tuple[list[str], Path]] = {}
    for name, url in zip(numbered("rasa", len(servers)), servers, strict=True):
        table[name] = (in_background(rasa_command(settings, _local_port(url))), NLU_DIR)
    table["actions"] = (in_background(actions_command(settings)), PROJECT_ROOT)
    table["web"] = (web_command(settings), PROJECT_ROOT)
    for name in numbered("worker", workers):
        table[name] = (in_background([str(APP_BIN / "lessonbot"), "worker"]), PROJECT_ROOT)
    table["scheduler"] = (
        in_background([str(APP_BIN / "lessonbot"), "scheduler"]),
        PROJECT_ROOT,
    )
    return table


def local_servers(settings: Settings, count: int) -> list[str]:
    """``count`` Rasa servers on consecutive ports of this machine, from ``rasa.url``'s."""
    first = _local_port(settings.rasa.url)
    return [f"http://127.0.0.1:{first + n}" for n in range(count)]


@click.command("up")
@click.option(
    "--rasa-servers",
    type=click.IntRange(1, 8),
    default=None,
    help="Rasa servers on ports from rasa.url's on (several need PostgreSQL and Redis).",
)
@click.option("--workers", type=click.IntRange(1, 16), default=1, help="Worker processes.")
def up(rasa_servers: int | None, workers: int) -> None:
    """Start web, worker, scheduler, rasa and actions; Ctrl-C stops them all."""
    from honcho.manager import Manager
    from honcho.printer import Printer

    from bot.migrate import upgrade

    settings = load_settings()
    extra_env: dict[str, str] = {}
    if rasa_servers is not None:
        urls = local_servers(settings, rasa_servers)
        settings = settings.with_overrides({"rasa.urls": urls})
        # Every process reads its settings again: they learn the servers from here.
        extra_env["LESSONBOT_RASA_URLS"] = ",".join(urls)
    check_ready()
    upgrade(settings)
    processes = process_table(settings, workers)
    manager = Manager(Printer(sys.stdout))
    for name, (command, cwd) in processes.items():
        env = process_environment(settings, kind_of(name)) | extra_env
        manager.add_process(name, shlex.join(command), env=env, cwd=str(cwd))
    click.echo(
        f"lessonbot: channel={settings.channel_name},"
        f" web on http://127.0.0.1:{settings.app.web_port},"
        f" {len(settings.rasa.servers)} Rasa server(s) (about a minute to load), {workers}"
        " worker(s). Try `lessonbot chat` in another terminal."
    )
    manager.loop()
    sys.exit(manager.returncode)


def url_port(url: str) -> int:
    """The port of one of this machine's URLs (``lessonbot rasa`` serves ``rasa.url``'s)."""
    return _local_port(url)


def _local_port(url: str) -> int:
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost") or parts.port is None:
        raise click.ClickException(
            f"lessonbot up starts Rasa servers on this machine only, not {url}"
        )
    return parts.port
