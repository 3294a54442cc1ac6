"""Secrets for a local run without Twilio: generated once, kept in var/dev-secrets.env.

Encrypted phone numbers must stay readable across restarts, so the keys are
made once and read back every time. A deployment with Twilio credentials
must set them in the environment instead (``bot.settings.load`` refuses to
start without them).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

from bot.settings.model import PROJECT_ROOT

DEV_SECRETS_FILE = PROJECT_ROOT / "var" / "dev-secrets.env"
# Without a Twilio account the local simulator still signs its webhook requests,
# with a token of its own kept in the same file.
LOCAL_SIGNING_SECRET = "LESSONBOT_LOCAL_TWILIO_AUTH_TOKEN"  # noqa: S105 (a variable name)

GENERATORS: dict[str, Callable[[], str]] = {
    "LESSONBOT_PHONE_HASH_KEY": lambda: secrets.token_hex(32),
    "LESSONBOT_PHONE_ENCRYPTION_KEY": lambda: Fernet.generate_key().decode(),
    "LESSONBOT_RASA_TOKEN": lambda: secrets.token_urlsafe(24),
    "LESSONBOT_SECRET_KEY": lambda: secrets.token_hex(32),
    LOCAL_SIGNING_SECRET: lambda: secrets.token_hex(16),
}


def ensure_dev_secrets(path: Path = DEV_SECRETS_FILE) -> dict[str, str]:
    """Read (creating or completing once) the secrets of a local run without Twilio."""
    stored = _read_env_file(path)
    missing = {name: make() for name, make in GENERATORS.items() if name not in stored}
    if missing:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Owner-only permissions: these keys unlock phone numbers.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as handle:
            handle.writelines(f"{name}={value}\n" for name, value in missing.items())
        stored.update(missing)
    return stored


def _read_env_file(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs}
