"""Rasa's endpoints file, written from the settings each time a Rasa server starts.

Rasa reads where its action server, tracker store and lock store are from an
``endpoints.yml``. Nothing tracked is edited: whoever starts Rasa
(``bot.local.up.rasa_command``, hence `lessonbot up`, the tests and the
benchmark; `lessonbot rasa-endpoints` for containers) writes one per server
into a run directory. Passwords never go into the file: it names the
environment variables (``${LESSONBOT_RASA_TRACKER_STORE_PASSWORD}``), which
Rasa replaces with their values when it reads the file.

- tracker store: ``rasa.tracker_store_url``, SQLite (one machine) or
  PostgreSQL (several servers share it; Rasa's psycopg2 driver);
- lock store: in memory, or Redis from ``rasa.lock_store_url``
  (``redis://host:6379/1``), so that two servers never run turns of one
  conversation at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import yaml
from sqlalchemy.engine import make_url

from bot.settings import PROJECT_ROOT, Settings, load_settings

RUN_DIRECTORY = PROJECT_ROOT / "var" / "run"
TRACKER_PASSWORD_VARIABLE = "LESSONBOT_RASA_TRACKER_STORE_PASSWORD"  # noqa: S105 (a name)
LOCK_PASSWORD_VARIABLE = "LESSONBOT_RASA_LOCK_STORE_PASSWORD"  # noqa: S105 (a name)
# Rasa prefixes its lock keys with this (letters only, or Rasa ignores it).
LOCK_KEY_PREFIX = "lessonbot"


def actions_url(settings: Settings) -> str:
    return settings.rasa.actions_url or (f"http://127.0.0.1:{settings.rasa.actions_port}/webhook")


def tracker_store(settings: Settings) -> dict[str, Any]:
    url = make_url(settings.rasa.tracker_store_url)
    if url.get_backend_name() == "sqlite":
        return {"type": "SQL", "dialect": "sqlite", "db": url.database}
    store: dict[str, Any] = {
        "type": "SQL",
        # Rasa's own driver (psycopg2), whatever driver the app's URL names.
        "dialect": "postgresql",
        "url": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "db": url.database,
    }
    if url.username:
        store["username"] = url.username
    if settings.rasa.tracker_store_password:
        store["password"] = "${" + TRACKER_PASSWORD_VARIABLE + "}"
    return store


def lock_store(settings: Settings) -> dict[str, Any]:
    if not settings.rasa.lock_store_url:
        return {"type": "in_memory"}
    parts = urlsplit(settings.rasa.lock_store_url)
    store: dict[str, Any] = {
        "type": "redis",
        "url": parts.hostname,
        "port": parts.port or 6379,
        "db": int(parts.path.strip("/") or 0),
        "key_prefix": LOCK_KEY_PREFIX,
        "use_ssl": parts.scheme == "rediss",
    }
    if parts.username:
        store["username"] = parts.username
    if settings.rasa.lock_store_password:
        store["password"] = "${" + LOCK_PASSWORD_VARIABLE + "}"
    return store


def endpoints(settings: Settings) -> dict[str, Any]:
    return {
        "action_endpoint": {"url": actions_url(settings)},
        "tracker_store": tracker_store(settings),
        "lock_store": lock_store(settings),
    }


def endpoints_path(port: int) -> Path:
    """Where the Rasa server on ``port`` of this machine finds its endpoints file."""
    return RUN_DIRECTORY / f"rasa-{port}" / "endpoints.yml"


def write_endpoints(settings: Settings, target: Path) -> Path:
    """Write Rasa's endpoints file to ``target``; return it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    header = "# Written by lessonbot from its settings at each start: edit config.yml instead.\n"
    target.write_text(header + yaml.safe_dump(endpoints(settings), sort_keys=False))
    return target


@click.command("rasa-endpoints")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def rasa_endpoints(output: Path) -> None:
    """Write Rasa's endpoints file from the settings (containers, process managers)."""
    write_endpoints(load_settings(with_secrets=False), output)
    click.echo(f"wrote {output}")
