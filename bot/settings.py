"""Read the configuration once into a typed, frozen settings object.

This is the only module that reads ``os.environ``. Everything else receives a
``Settings`` instance (from the Flask app, the worker, the scheduler or the
action server).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config.yml"
# Secrets for a local, Twilio-less run are generated once into this file so that
# encrypted phone numbers stay readable across restarts. A deployment with
# Twilio credentials must set them in the environment instead.
DEV_SECRETS_FILE = PROJECT_ROOT / "var" / "dev-secrets.env"
SECRET_NAMES = (
    "LESSONBOT_PHONE_HASH_KEY",
    "LESSONBOT_PHONE_ENCRYPTION_KEY",
    "LESSONBOT_RASA_TOKEN",
    "LESSONBOT_SECRET_KEY",
)
# Without a Twilio account the local simulator still signs its webhook requests,
# with a token of its own kept in the same file.
LOCAL_SIGNING_SECRET = "LESSONBOT_LOCAL_TWILIO_AUTH_TOKEN"  # noqa: S105 (a variable name)


class SettingsError(ValueError):
    """The configuration is missing a value or has one of the wrong kind."""


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///var/lessonbot.db"
    public_url: str = "http://127.0.0.1:5000"
    web_port: int = 5000
    proxy_hops: int = 0
    message_retention_days: int = 90

    default_language: str = "es"
    supported_languages: tuple[str, ...] = ("es", "en", "fr", "ht")

    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str = ""
    actions_port: int = 5055
    rasa_tracker_store_url: str = "sqlite:///var/rasa_tracker.db"
    rasa_timeout_seconds: float = 20.0

    worker_idle_poll_seconds: float = 0.2
    worker_max_attempts: int = 8
    # Turns run at once by one worker process (threads; each learner's in order).
    worker_turn_concurrency: int = 8

    sender_rate_per_second: float = 10.0
    sender_max_attempts: int = 6
    sender_backoff_seconds: float = 2.0
    # Sends in flight at once; 0 picks enough for the rate (bot.sender.default_concurrency).
    sender_concurrency: int = 0
    # How long a claimed row is kept from other senders before it is due again
    # (should this one die): above Twilio's timeout (15 s) plus a second's sends,
    # and above how late Twilio's status callbacks come (they settle the rows a
    # dead sender handed to Twilio but never recorded).
    sender_lease_seconds: float = 60.0
    sms_accent_free: bool = False

    twilio_account_sid: str = ""
    twilio_auth_token: str = field(default="", repr=False)
    twilio_messaging_service_sid: str = ""
    twilio_api_base_url: str = "https://api.twilio.com"
    twilio_whatsapp_window_template_sid: str = ""
    # A Content template (one SID) is in one language: (language, Content SID) pairs
    # of the same template in other languages. A learner whose language has
    # none gets the one above.
    twilio_whatsapp_window_template_sids: tuple[tuple[str, str], ...] = ()

    phone_hash_key: str = field(default="", repr=False)
    phone_encryption_key: str = field(default="", repr=False)
    # Signs the staff pages' session cookies.
    secret_key: str = field(default="", repr=False)

    lessons_directory: str = "lessons/content"

    # Local "HH:MM" in each learner's own time zone; start later than end wraps midnight.
    quiet_start: str = "21:00"
    quiet_end: str = "07:00"
    reminder_delay_hours: float = 20.0
    inactive_days: int = 7
    due_batch_size: int = 500
    # Due learners whose turns run in Rasa at once (threads of the scheduler).
    due_dispatch_concurrency: int = 4

    # Staff broadcasts (bot.broadcasts). Prices are per message as Twilio bills
    # them, in US dollars, for the cost estimate shown before sending.
    price_per_sms_segment: float = 0.05
    price_per_whatsapp_message: float = 0.005
    price_per_whatsapp_template: float = 0.015
    # A broadcast to more learners than this needs a second staff member's approval.
    approval_threshold: int = 500
    undo_seconds: int = 120
    # The approved WhatsApp template (Content SID) with one variable, {{1}}, that
    # carries the announcement to learners whose 24-hour window is closed.
    broadcast_whatsapp_template_sid: str = ""
    # The same per language, as for the window template.
    broadcast_whatsapp_template_sids: tuple[tuple[str, str], ...] = ()
    sms_fallback_for_closed_window: bool = False
    # Broadcast rows are fed into the outbox this many seconds of sending ahead,
    # so that learners' conversations never queue behind a whole broadcast.
    broadcast_feed_ahead_seconds: float = 10.0

    # Coordinator statistics: the time zone their dates, filters and charts use.
    reporting_timezone: str = "America/Panama"

    testing: bool = False

    @property
    def channel_name(self) -> str:
        """``twilio`` when credentials are set, else the local stand-in."""
        if self.twilio_account_sid and self.twilio_auth_token:
            return "twilio"
        return "local"

    @property
    def lessons_path(self) -> Path:
        return _resolve(self.lessons_directory)

    @property
    def reporting_zone(self) -> ZoneInfo:
        return ZoneInfo(self.reporting_timezone)

    def window_template_sid(self, language: str | None) -> str:
        """The window template's Content SID in this language, else the one for all."""
        return _in_language(
            self.twilio_whatsapp_window_template_sids,
            language,
            self.twilio_whatsapp_window_template_sid,
        )

    def broadcast_template_sid(self, language: str | None) -> str:
        """The broadcast template's Content SID in this language, else the one for all."""
        return _in_language(
            self.broadcast_whatsapp_template_sids, language, self.broadcast_whatsapp_template_sid
        )

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **changes)


# config.yml section/key -> Settings field
_YAML_FIELDS = {
    ("app", "database_url"): "database_url",
    ("app", "public_url"): "public_url",
    ("app", "web_port"): "web_port",
    ("app", "proxy_hops"): "proxy_hops",
    ("app", "message_retention_days"): "message_retention_days",
    ("languages", "default"): "default_language",
    ("languages", "supported"): "supported_languages",
    ("rasa", "url"): "rasa_url",
    ("rasa", "actions_port"): "actions_port",
    ("rasa", "tracker_store_url"): "rasa_tracker_store_url",
    ("rasa", "timeout_seconds"): "rasa_timeout_seconds",
    ("worker", "idle_poll_seconds"): "worker_idle_poll_seconds",
    ("worker", "max_attempts"): "worker_max_attempts",
    ("worker", "turn_concurrency"): "worker_turn_concurrency",
    ("sender", "rate_per_second"): "sender_rate_per_second",
    ("sender", "max_attempts"): "sender_max_attempts",
    ("sender", "backoff_seconds"): "sender_backoff_seconds",
    ("sender", "concurrency"): "sender_concurrency",
    ("sender", "lease_seconds"): "sender_lease_seconds",
    ("sender", "sms_accent_free"): "sms_accent_free",
    ("twilio", "api_base_url"): "twilio_api_base_url",
    ("twilio", "whatsapp_window_template_sid"): "twilio_whatsapp_window_template_sid",
    ("twilio", "whatsapp_window_template_sids"): "twilio_whatsapp_window_template_sids",
    ("lessons", "directory"): "lessons_directory",
    ("schedule", "quiet_start"): "quiet_start",
    ("schedule", "quiet_end"): "quiet_end",
    ("schedule", "reminder_delay_hours"): "reminder_delay_hours",
    ("schedule", "inactive_days"): "inactive_days",
    ("schedule", "due_batch_size"): "due_batch_size",
    ("schedule", "dispatch_concurrency"): "due_dispatch_concurrency",
    ("broadcasts", "price_per_sms_segment"): "price_per_sms_segment",
    ("broadcasts", "price_per_whatsapp_message"): "price_per_whatsapp_message",
    ("broadcasts", "price_per_whatsapp_template"): "price_per_whatsapp_template",
    ("broadcasts", "approval_threshold"): "approval_threshold",
    ("broadcasts", "undo_seconds"): "undo_seconds",
    ("broadcasts", "whatsapp_template_sid"): "broadcast_whatsapp_template_sid",
    ("broadcasts", "whatsapp_template_sids"): "broadcast_whatsapp_template_sids",
    ("broadcasts", "sms_fallback_for_closed_window"): "sms_fallback_for_closed_window",
    ("broadcasts", "feed_ahead_seconds"): "broadcast_feed_ahead_seconds",
    ("dashboard", "timezone"): "reporting_timezone",
}

# Secrets and deployment values that have conventional names of their own.
_ENV_FIELDS = {
    "TWILIO_ACCOUNT_SID": "twilio_account_sid",
    "TWILIO_AUTH_TOKEN": "twilio_auth_token",
    "TWILIO_MESSAGING_SERVICE_SID": "twilio_messaging_service_sid",
    "LESSONBOT_PHONE_HASH_KEY": "phone_hash_key",
    "LESSONBOT_PHONE_ENCRYPTION_KEY": "phone_encryption_key",
    "LESSONBOT_RASA_TOKEN": "rasa_token",
    "LESSONBOT_SECRET_KEY": "secret_key",
    "LESSONBOT_DATABASE_URL": "database_url",
    "LESSONBOT_PUBLIC_URL": "public_url",
}


def load_settings(
    overrides: dict[str, Any] | None = None, config_path: Path | None = None
) -> Settings:
    """Build settings from config.yml, then the environment, then ``overrides``."""
    path = config_path or Path(os.environ.get("LESSONBOT_CONFIG", DEFAULT_CONFIG))
    values: dict[str, Any] = {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    for (section, key), name in _YAML_FIELDS.items():
        if key in (raw.get(section) or {}):
            values[name] = raw[section][key]
            # An override such as LESSONBOT_SENDER_RATE_PER_SECOND.
        env_name = f"LESSONBOT_{section}_{key}".upper()
        if env_name in os.environ:
            values[name] = os.environ[env_name]
    for env_name, name in _ENV_FIELDS.items():
        if os.environ.get(env_name):
            values[name] = os.environ[env_name]
    values.update({k.lower(): v for k, v in (overrides or {}).items() if k.lower() in _FIELD_TYPES})
    settings = Settings(**{name: _coerce(name, value) for name, value in values.items()})
    settings = _with_dev_secrets(settings)
    _check_timezone(settings.reporting_timezone)
    _check_concurrency(settings)
    _check_language_maps(settings)
    return replace(
        settings,
        database_url=_absolute_sqlite(settings.database_url),
        rasa_tracker_store_url=_absolute_sqlite(settings.rasa_tracker_store_url),
    )


_FIELD_TYPES = {f.name: f.type for f in fields(Settings)}
_YAML_NAMES = {name: f"{section}.{key}" for (section, key), name in _YAML_FIELDS.items()}
LANGUAGE_MAP = "tuple[tuple[str, str], ...]"  # (language, value) pairs


def _coerce(name: str, value: Any) -> Any:
    kind = _FIELD_TYPES[name]
    if kind == LANGUAGE_MAP:
        return _language_map(name, value)
    try:
        if kind == "bool":
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind.startswith("tuple"):
            if isinstance(value, str):
                value = [part.strip() for part in value.split(",") if part.strip()]
            return tuple(value)
    except (TypeError, ValueError) as error:
        raise SettingsError(f"setting {name!r}: expected {kind}, got {value!r}") from error
    return str(value)


def _in_language(pairs: tuple[tuple[str, str], ...], language: str | None, default: str) -> str:
    return dict(pairs).get(language or "", default)


def _language_map(name: str, value: Any) -> tuple[tuple[str, str], ...]:
    """A mapping from YAML, or "es=HX...,en=HX..." from the environment."""
    if not value:
        return ()
    if isinstance(value, str):
        pairs = [part.split("=", 1) for part in value.split(",") if part.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise SettingsError(
                f"setting {_YAML_NAMES[name]!r}: expected language=value pairs separated"
                f" by commas, got {value!r}"
            )
        value = dict(pairs)
    if not isinstance(value, dict):
        raise SettingsError(
            f"setting {_YAML_NAMES[name]!r}: expected a mapping of language to value, got {value!r}"
        )
    return tuple((str(key).strip(), str(sid).strip()) for key, sid in value.items())


def _check_language_maps(settings: Settings) -> None:
    for name, kind in _FIELD_TYPES.items():
        if kind != LANGUAGE_MAP:
            continue
        for language, value in getattr(settings, name):
            if language not in settings.supported_languages:
                raise SettingsError(
                    f"setting {_YAML_NAMES[name]!r}: {language!r} is not one of the supported"
                    f" languages ({', '.join(settings.supported_languages)})"
                )
            if not value:
                raise SettingsError(f"setting {_YAML_NAMES[name]!r}: no value for {language!r}")


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise SettingsError(f"setting 'dashboard.timezone': unknown time zone {name!r}") from error


# Twilio's own timeout (15 s) plus a few seconds of queued sends.
MIN_SENDER_LEASE_SECONDS = 20.0


def _check_concurrency(settings: Settings) -> None:
    if settings.worker_turn_concurrency < 1:
        raise SettingsError("setting 'worker.turn_concurrency': must be 1 or more")
    if settings.due_dispatch_concurrency < 1:
        raise SettingsError("setting 'schedule.dispatch_concurrency': must be 1 or more")
    if settings.sender_rate_per_second <= 0:
        raise SettingsError("setting 'sender.rate_per_second': must be above 0")
    if settings.sender_concurrency < 0:
        raise SettingsError("setting 'sender.concurrency': must be 0 (automatic) or more")
    if settings.sender_lease_seconds < MIN_SENDER_LEASE_SECONDS:
        raise SettingsError(
            f"setting 'sender.lease_seconds': must be at least {MIN_SENDER_LEASE_SECONDS:.0f}"
            " (a claimed message must not be sent again while its first send may still be"
            " waiting for Twilio)"
        )


def _with_dev_secrets(settings: Settings) -> Settings:
    missing = [name for name in SECRET_NAMES if not getattr(settings, _ENV_FIELDS[name])]
    needs_signing_token = not settings.twilio_auth_token
    if not missing and not needs_signing_token:
        return settings
    if settings.channel_name == "twilio":
        raise SettingsError(
            "with Twilio credentials set, these secrets must come from the environment: "
            + ", ".join(missing)
        )
    stored = ensure_dev_secrets()
    changes: dict[str, Any] = {_ENV_FIELDS[name]: stored[name] for name in missing}
    if needs_signing_token:
        changes["twilio_auth_token"] = stored[LOCAL_SIGNING_SECRET]
    return replace(settings, **changes)


def ensure_dev_secrets(path: Path = DEV_SECRETS_FILE) -> dict[str, str]:
    """Read (creating or completing once) the secrets of a local run without Twilio."""
    from cryptography.fernet import Fernet

    generators = {
        "LESSONBOT_PHONE_HASH_KEY": lambda: secrets.token_hex(32),
        "LESSONBOT_PHONE_ENCRYPTION_KEY": lambda: Fernet.generate_key().decode(),
        "LESSONBOT_RASA_TOKEN": lambda: secrets.token_urlsafe(24),
        "LESSONBOT_SECRET_KEY": lambda: secrets.token_hex(32),
        LOCAL_SIGNING_SECRET: lambda: secrets.token_hex(16),
    }
    stored = _read_env_file(path)
    missing = {name: make() for name, make in generators.items() if name not in stored}
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


def _resolve(path_text: str) -> Path:
    path = Path(path_text)
    return path if path.is_absolute() else PROJECT_ROOT / path


def _absolute_sqlite(url: str) -> str:
    """Make a relative SQLite path absolute against the project root."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
        target = _resolve(url[len(prefix) :])
        target.parent.mkdir(parents=True, exist_ok=True)
        return prefix + str(target)
    return url
