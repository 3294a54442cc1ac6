"""Where settings come from: config.yml, then the environment; each value remembers which.

- The YAML file (``LESSONBOT_CONFIG``, else config.yml at the project root)
  is read with pydantic-settings' YAML source. A key the settings do not
  have is refused, naming it and the file: a misspelled key must not be
  silently ignored. Secrets are refused there too: they come only from the
  environment.
- ``LESSONBOT_<SECTION>_<KEY>`` overrides any value of the file
  (``LESSONBOT_SENDER_RATE_PER_SECOND=10``), read from its text as the
  setting's type expects (``true``/``false``, numbers, ``es,en`` for a list,
  ``es=HX...,en=HX...`` for a value per language).
- The conventional names (``TWILIO_AUTH_TOKEN``, ``LESSONBOT_DATABASE_URL`` ...)
  override both, when set and not empty.

A value given by a later layer replaces the earlier one whole (a map of
template SIDs per language too).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_origin

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, YamlConfigSettingsSource

from bot.settings.errors import SettingsError

# Secrets and deployment values with conventional names of their own.
CONVENTIONAL_ENV: dict[str, str] = {
    "TWILIO_ACCOUNT_SID": "twilio.account_sid",
    "TWILIO_AUTH_TOKEN": "twilio.auth_token",
    "TWILIO_MESSAGING_SERVICE_SID": "twilio.messaging_service_sid",
    "LESSONBOT_PHONE_HASH_KEY": "secrets.phone_hash_key",
    "LESSONBOT_PHONE_ENCRYPTION_KEY": "secrets.phone_encryption_key",
    "LESSONBOT_RASA_TOKEN": "rasa.token",
    "LESSONBOT_SECRET_KEY": "secrets.secret_key",
    "LESSONBOT_DATABASE_URL": "app.database_url",
    "LESSONBOT_PUBLIC_URL": "app.public_url",
    "LESSONBOT_LOG_FORMAT": "ops.log_format",
    "LESSONBOT_METRICS_TOKEN": "ops.metrics_token",
}
# Never from a file that may be committed: only from the environment.
ENVIRONMENT_ONLY = frozenset(
    {
        "twilio.account_sid",
        "twilio.auth_token",
        "twilio.messaging_service_sid",
        "rasa.token",
        "rasa.tracker_store_password",
        "rasa.lock_store_password",
        "inbox.smtp_password",
        "ops.metrics_token",
        "secrets",
        "testing",
    }
)
SECRET_PATHS = frozenset(
    {
        "twilio.auth_token",
        "rasa.token",
        "rasa.tracker_store_password",
        "rasa.lock_store_password",
        "inbox.smtp_password",
        "ops.metrics_token",
        "secrets.phone_hash_key",
        "secrets.phone_encryption_key",
        "secrets.secret_key",
    }
)


def section_env_name(path: str) -> str:
    """``sender.rate_per_second`` -> ``LESSONBOT_SENDER_RATE_PER_SECOND``."""
    return "LESSONBOT_" + path.replace(".", "_").upper()


def env_names(path: str) -> list[str]:
    """Every environment variable that sets ``path``, the one that wins last."""
    names = [section_env_name(path)]
    names += [name for name, target in CONVENTIONAL_ENV.items() if target == path]
    return names


def setting_paths(settings_cls: type[BaseModel]) -> dict[str, FieldInfo]:
    """``{"sender.rate_per_second": <its field>, ...}`` for every value of every section."""
    paths = {}
    for section, field in settings_cls.model_fields.items():
        model = field.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            paths.update({f"{section}.{key}": inner for key, inner in model.model_fields.items()})
        else:
            paths[section] = field
    return paths


class ConfigSource(PydanticBaseSettingsSource):
    """config.yml overlaid with the environment, as one layer.

    ``origins`` tells where each value came from: the file or a variable.
    """

    def __init__(
        self, settings_cls: type[BaseSettings], path: Path, environ: Mapping[str, str]
    ) -> None:
        super().__init__(settings_cls)
        self.path = path
        self.fields = setting_paths(settings_cls)
        self.origins: dict[str, str] = {}
        self.values: dict[str, Any] = {}
        self._read_file()
        self._read_environment(environ)

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        # Unused: __call__ returns the whole layer at once.
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        nested: dict[str, Any] = {}
        for path, value in self.values.items():
            section, dot, key = path.partition(".")
            if dot:
                nested.setdefault(section, {})[key] = value
            else:
                nested[section] = value
        return nested

    def _read_file(self) -> None:
        if not self.path.is_file():
            raise SettingsError(
                [f"{self.path}: no such settings file (LESSONBOT_CONFIG names another one)"]
            )
        try:
            data = YamlConfigSettingsSource(self.settings_cls, yaml_file=self.path)()
        except (OSError, yaml.YAMLError) as error:
            raise SettingsError([f"{self.path}: cannot be read: {error}"]) from error
        problems = []
        for section, block in data.items():
            if section in ENVIRONMENT_ONLY:
                problems.append(self._env_only(section))
            elif not any(path.startswith(section + ".") for path in self.fields):
                problems.append(f"{self.path}: {section}: unknown section")
            elif not isinstance(block, Mapping):
                problems.append(f"{self.path}: {section}: expected the section's keys")
            else:
                for key, value in block.items():
                    path = f"{section}.{key}"
                    if path in ENVIRONMENT_ONLY:
                        problems.append(self._env_only(path))
                    elif path not in self.fields:
                        problems.append(f"{self.path}: {path}: unknown setting")
                    else:
                        self.values[path] = value
                        self.origins[path] = str(self.path)
        if problems:
            raise SettingsError(problems)

    def _env_only(self, path: str) -> str:
        names = ", ".join(
            name for name, target in CONVENTIONAL_ENV.items() if target.startswith(path)
        )
        return f"{self.path}: {path}: comes only from the environment ({names}), never from a file"

    def _read_environment(self, environ: Mapping[str, str]) -> None:
        problems = []
        for path, field in self.fields.items():
            for name in env_names(path):
                text = environ.get(name)
                # A conventional name counts only when set to something.
                if text is None or (name in CONVENTIONAL_ENV and not text):
                    continue
                try:
                    self.values[path] = from_text(text, field)
                except ValueError as error:
                    problems.append(f"{name} ({path}): {error}")
                    continue
                self.origins[path] = name
        if problems:
            raise SettingsError(problems)


def from_text(text: str, field: FieldInfo) -> Any:
    """A value from an environment variable's text, as the field's type reads it."""
    kind = get_origin(field.annotation) or field.annotation
    if kind is dict:
        return _language_map(text)
    if kind is tuple:
        return tuple(part.strip() for part in text.split(",") if part.strip())
    if field.annotation is str or kind is str:
        return text
    try:
        return TypeAdapter(field.annotation).validate_strings(text.strip())
    except ValidationError as error:
        raise ValueError(f"{error.errors()[0]['msg']}, got {text!r}") from None


def _language_map(text: str) -> dict[str, str]:
    """ "es=HX...,en=HX..." as a mapping of language to value."""
    pairs = [part.split("=", 1) for part in text.split(",") if part.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise ValueError(f"expected language=value pairs separated by commas, got {text!r}")
    return {language.strip(): value.strip() for language, value in pairs}
