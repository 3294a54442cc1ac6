"""Everything the fault suite takes from the app's own code, in one place.

The suite drives lessonbot only through its public surfaces (process command
lines, signed webhooks, the CLI, the database it reads for the ledger). What
it still needs from Python is here, so that when modules move (bot/ is being
restructured) there is one file to fix:

- the settings, built exactly as every process builds them (config.yml plus
  the environment), to find out whether a setting exists;
- the command lines and environment of the five processes as `lessonbot up`
  runs them (``bot.local.up.process_table``);
- the keyed hash and the encryption of phone numbers, to seed the silent
  learners a broadcast goes to and to find learners by number.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from bot.local.up import process_environment, process_table
from bot.phones import encrypt_phone, phone_hash
from bot.settings import PROJECT_ROOT, Settings, load_settings

__all__ = [
    "PROJECT_ROOT",
    "Settings",
    "commands",
    "encrypt_phone",
    "environment",
    "phone_hash",
    "settings_from",
    "unsupported",
]

# Probe values for "is this setting read at all": unlikely to be anyone's real value.
_NUMBER_PROBE = "4243"
_PATH_PROBE = "/tmp/lessonbot-faults-probe-4243"


@contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    try:
        for name in [n for n in os.environ if n.startswith(("LESSONBOT_", "TWILIO_"))]:
            del os.environ[name]
        os.environ.update(env)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def settings_from(env: Mapping[str, str]) -> Settings:
    """The settings a process started with ``env`` reads (and fails on, if they are wrong)."""
    with _environment(env):
        return load_settings()


def _reads(env: Mapping[str, str], variable: str, probe: str) -> bool:
    """Whether the settings take ``variable`` into account (some field holds the probe)."""
    with _environment(env):
        base = load_settings()
        os.environ[variable] = probe
        try:
            probed = load_settings()
        except ValueError:
            return True  # it was read, and refused: the name is known
    before, after = _flat(base.model_dump()), _flat(probed.model_dump())
    return any(
        value != before.get(path) and str(value) in (probe, f"{probe}.0")
        for path, value in after.items()
    )


def _flat(values: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    """``{"worker": {"max_attempts": 3}}`` -> ``{"worker.max_attempts": 3}``."""
    flat: dict[str, object] = {}
    for name, value in values.items():
        if isinstance(value, Mapping):
            flat |= _flat(value, f"{prefix}{name}.")
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def unsupported(env: Mapping[str, str], names: Mapping[str, str]) -> list[str]:
    """The settings of ``names`` (config name -> "number" or "path") the app does not read."""
    missing = []
    for name, kind in names.items():
        variable = "LESSONBOT_" + name.replace(".", "_").upper()
        probe = _PATH_PROBE if kind == "path" else _NUMBER_PROBE
        if not _reads(env, variable, probe):
            missing.append(f"setting {name} ({variable}) not supported")
    return missing


def environment(
    settings: Settings, env: Mapping[str, str], process: str = "worker"
) -> dict[str, str]:
    """A child process's environment, as `lessonbot up` gives it, plus the run's settings.

    Whatever LESSONBOT_* or TWILIO_* the test runner itself has is left out.
    """
    with _environment(env):
        return process_environment(settings, process) | dict(env)


def commands(settings: Settings) -> dict[str, tuple[list[str], Path]]:
    """Each process's command line and folder, exactly as `lessonbot up` starts it."""
    return process_table(settings)
