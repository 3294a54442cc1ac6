"""The process commands a process manager runs (systemd, compose, honcho): one process each.

``lessonbot web``, ``lessonbot rasa`` and ``lessonbot actions`` build the
same commands and environments as ``lessonbot up`` (``bot.local.up``) and
replace themselves with them (``exec``): the process manager's SIGTERM goes
straight to gunicorn, Rasa or the action server, each of which stops
cleanly, and their exit status is the command's. ``lessonbot worker`` and
``lessonbot scheduler`` run in this process (``bot.messaging.worker``,
``scheduler.main``). All run in the foreground and log to stderr.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from bot.local.up import (
    MODEL_PATH,
    NLU_DIR,
    PROJECT_ROOT,
    RASA_PYTHON,
    actions_command,
    process_environment,
    rasa_command,
    url_port,
    web_command,
)
from bot.settings import load_settings


def _exec(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    """Become ``command`` (in ``cwd``, with ``env``, else this process's environment)."""
    os.chdir(cwd)
    if env is None:
        os.execv(command[0], command)  # noqa: S606 (our own command, no shell)
    os.execve(command[0], command, env)  # noqa: S606


@click.command("web")
def web() -> None:
    """Serve the web app with gunicorn (address, workers, threads: app.web_* settings)."""
    # The process manager's environment as it is: the web process uses its
    # secrets, and its Rasa tracker store is none of the web's business.
    _exec(web_command(load_settings()), PROJECT_ROOT)


@click.command("rasa")
def rasa() -> None:
    """Run the Rasa server on loopback with the trained model (token from the environment)."""
    missing = [str(path) for path in (RASA_PYTHON, MODEL_PATH) if not path.exists()]
    if missing:
        raise click.ClickException("not installed: " + ", ".join(missing) + " (make install)")
    settings = load_settings()
    command = rasa_command(settings, url_port(settings.rasa.url))
    _exec(command, NLU_DIR, process_environment(settings, "rasa"))


@click.command("actions")
def actions() -> None:
    """Run the action server (Rasa's custom actions) on loopback."""
    settings = load_settings(with_secrets=False)
    _exec(actions_command(settings), PROJECT_ROOT, process_environment(settings, "actions"))
