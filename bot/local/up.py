"""`lessonbot up`: run the whole system on one machine (web, worker, scheduler,
rasa, actions) with honcho, logs prefixed per process, Ctrl-C stops them all."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import click

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


def rasa_command(settings: Settings, port: int) -> list[str]:
    """Rasa's HTTP API with a token, on loopback only (CVE-2024-49375).

    Started through ``rasa_runtime`` (README: Rasa runtime patch), found on
    ``process_environment``'s PYTHONPATH. The token is not an argument: a
    command line is readable by every user of the machine (``ps``);
    ``rasa_runtime`` hands Rasa the token from its environment.
    """
    return [
        str(RASA_PYTHON),
        "-m",
        "rasa_runtime",
        "run",
        "--enable-api",
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--model",
        str(MODEL_PATH),
        "--endpoints",
        "endpoints.yml",
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
            "LESSONBOT_RASA_TRACKER_DB": tracker_db_path(settings),
            "LESSONBOT_ACTIONS_URL": f"http://127.0.0.1:{settings.rasa.actions_port}/webhook",
            "PYTHONPATH": str(PROJECT_ROOT),
        }
    )
    if process == "rasa":
        env["LESSONBOT_RASA_TOKEN"] = settings.rasa.token
    elif process in APP_PROCESSES:
        env.update({name: value for name, value in os.environ.items() if name in SECRET_VARIABLES})
        env.update(
            {
                "LESSONBOT_RASA_TOKEN": settings.rasa.token,
                "LESSONBOT_PHONE_HASH_KEY": settings.secrets.phone_hash_key,
                "LESSONBOT_PHONE_ENCRYPTION_KEY": settings.secrets.phone_encryption_key,
                "LESSONBOT_SECRET_KEY": settings.secrets.secret_key,
            }
        )
    elif process != "actions":
        raise ValueError(f"no such process: {process}")
    return env


def tracker_db_path(settings: Settings) -> str:
    prefix = "sqlite:///"
    url = settings.rasa.tracker_store_url
    if not url.startswith(prefix):
        raise click.ClickException("lessonbot up runs Rasa's tracker store on SQLite only")
    return url[len(prefix) :]


def check_ready() -> None:
    missing = [str(path) for path in (RASA_BIN, MODEL_PATH) if not path.exists()]
    if missing:
        raise click.ClickException(
            "not installed yet: " + ", ".join(missing) + ". Run `make up` from the project root."
        )


def process_table(settings: Settings) -> dict[str, tuple[list[str], Path]]:
    """Each process of the system: its command and the folder it runs in."""
    return {
        "rasa": (in_background(rasa_command(settings, url_port(settings.rasa.url))), NLU_DIR),
        "actions": (in_background(actions_command(settings)), PROJECT_ROOT),
        "web": (web_command(settings), PROJECT_ROOT),
        "worker": (in_background([str(APP_BIN / "lessonbot"), "worker"]), PROJECT_ROOT),
        "scheduler": (in_background([str(APP_BIN / "lessonbot"), "scheduler"]), PROJECT_ROOT),
    }


@click.command("up")
def up() -> None:
    """Start web, worker, scheduler, rasa and actions; Ctrl-C stops them all."""
    from honcho.manager import Manager
    from honcho.printer import Printer

    from bot.migrate import upgrade

    check_ready()
    settings = load_settings()
    upgrade(settings)
    processes = process_table(settings)
    manager = Manager(Printer(sys.stdout))
    for name, (command, cwd) in processes.items():
        env = process_environment(settings, name)
        manager.add_process(name, shlex.join(command), env=env, cwd=str(cwd))
    click.echo(
        f"lessonbot: channel={settings.channel_name},"
        f" web on http://127.0.0.1:{settings.app.web_port}, Rasa takes about a minute to load."
        " Try `lessonbot chat` in another terminal."
    )
    manager.loop()
    sys.exit(manager.returncode)


def url_port(url: str) -> int:
    return int(url.rsplit(":", 1)[1].split("/")[0])
