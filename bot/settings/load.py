"""Read the configuration once: config.yml, the environment, generated local secrets.

This is the only module that reads ``os.environ`` (through
``bot.settings.sources``). A bad configuration raises ``SettingsError``
with one line per problem, each naming the YAML path and the environment
variable, never pydantic's own multi-line report.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import InitSettingsSource

from bot.settings.devsecrets import LOCAL_SIGNING_SECRET, ensure_dev_secrets
from bot.settings.errors import SettingsError
from bot.settings.model import PROJECT_ROOT, Settings, nest, resolve
from bot.settings.sources import CONVENTIONAL_ENV, SECRET_PATHS, ConfigSource, env_names

DEFAULT_CONFIG = PROJECT_ROOT / "config.yml"
# The secrets a local run generates when the environment has none.
DEV_SECRETS = (
    "LESSONBOT_PHONE_HASH_KEY",
    "LESSONBOT_PHONE_ENCRYPTION_KEY",
    "LESSONBOT_RASA_TOKEN",
    "LESSONBOT_SECRET_KEY",
)


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    config_path: Path | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    with_secrets: bool = True,
) -> Settings:
    """Build settings from config.yml, then the environment, then ``overrides`` (dotted paths).

    ``with_secrets=False`` is for a process that uses none (the action server):
    secrets its environment lacks stay empty instead of being required or
    read from the local run's secrets file.
    """
    environ = os.environ if environ is None else environ
    path = config_path or Path(environ.get("LESSONBOT_CONFIG") or DEFAULT_CONFIG)
    config = ConfigSource(Settings, path, environ)
    given = InitSettingsSource(Settings, init_kwargs=nest(overrides or {}))
    try:
        # pydantic-settings' way to build from sources chosen at run time (mypy
        # sees only the fields in the signature).
        settings = Settings(_build_sources=((given, config), {}))  # type: ignore[call-arg]
    except ValidationError as error:
        raise SettingsError([describe(item, config.origins) for item in error.errors()]) from None
    if with_secrets:
        settings = _with_dev_secrets(settings)
    return settings.with_overrides(
        {
            "app.database_url": _absolute_sqlite(settings.app.database_url),
            "rasa.tracker_store_url": _absolute_sqlite(settings.rasa.tracker_store_url),
        }
    )


def validated(data: Mapping[str, Any], source: ConfigSource | None) -> Settings:
    """``Settings`` from plain values, or ``SettingsError`` naming every bad one."""
    try:
        return Settings.model_validate(data)
    except ValidationError as error:
        origins = source.origins if source else {}
        raise SettingsError([describe(item, origins) for item in error.errors()]) from None


def describe(error: ErrorDetails, origins: Mapping[str, str]) -> str:
    """One line: where the value came from, its YAML path and variable, and what is wrong."""
    location = [str(part) for part in error["loc"]]
    if error["type"] == "setting":
        context = error.get("ctx") or {}
        path, message = str(context["path"]), str(context["message"])
    else:
        path = ".".join(location[:2])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown setting"
        elif path not in SECRET_PATHS and error["type"] != "value_error":
            message += f", got {error['input']!r}"
        if location[2:]:
            message = f"item {'.'.join(location[2:])}: {message}"
    names = " or ".join(env_names(path))
    origin = origins.get(path)
    if origin is None:
        return f"{path} ({names}): {message}"
    if origin in CONVENTIONAL_ENV or origin.startswith("LESSONBOT_"):
        return f"{origin} (setting {path}): {message}"
    return f"{origin}: {path} (or {names}): {message}"


def _with_dev_secrets(settings: Settings) -> Settings:
    targets = {name: CONVENTIONAL_ENV[name] for name in DEV_SECRETS}
    missing = [name for name, path in targets.items() if not _value(settings, path)]
    needs_signing_token = not settings.twilio.auth_token
    if not missing and not needs_signing_token:
        return settings
    if settings.channel_name == "twilio":
        raise SettingsError(
            "with Twilio credentials set, these secrets must come from the environment: "
            + ", ".join(missing)
        )
    stored = ensure_dev_secrets()
    changes = {targets[name]: stored[name] for name in missing}
    if needs_signing_token:
        changes["twilio.auth_token"] = stored[LOCAL_SIGNING_SECRET]
    return settings.with_overrides(changes)


def _value(settings: Settings, path: str) -> Any:
    section, _, key = path.partition(".")
    return getattr(getattr(settings, section), key)


def _absolute_sqlite(url: str) -> str:
    """Make a relative SQLite path absolute against the project root."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        target = resolve(url[len(prefix) :])
        target.parent.mkdir(parents=True, exist_ok=True)
        return prefix + str(target)
    return url
