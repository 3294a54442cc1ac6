"""The app's settings: config.yml plus the environment, read once into a typed, frozen object.

``load_settings()`` is the only reader of ``os.environ``; everything else
receives a ``Settings`` (from the Flask app, the worker, the scheduler or
the action server) and reads it by section: ``settings.sender.rate_per_second``.

- ``model``: the sections and the checks on every value.
- ``sources``: config.yml and the environment variables, and which set what.
- ``load``: ``load_settings``, the one-line errors, the generated local secrets.
- ``devsecrets``: var/dev-secrets.env for a run without Twilio.
"""

from bot.settings.devsecrets import DEV_SECRETS_FILE, ensure_dev_secrets
from bot.settings.errors import SettingsError
from bot.settings.load import DEFAULT_CONFIG, load_settings
from bot.settings.model import MIN_SENDER_LEASE_SECONDS, PROJECT_ROOT, Settings

__all__ = [
    "DEFAULT_CONFIG",
    "DEV_SECRETS_FILE",
    "MIN_SENDER_LEASE_SECONDS",
    "PROJECT_ROOT",
    "Settings",
    "SettingsError",
    "ensure_dev_secrets",
    "load_settings",
]
