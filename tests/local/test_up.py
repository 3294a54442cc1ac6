"""`lessonbot up`: which processes it starts, and which of them yield the CPU."""

from __future__ import annotations

import subprocess

import pytest

from bot.local.up import BACKGROUND_NICENESS, in_background, process_environment, process_table
from bot.settings import Settings, load_settings


def test_the_web_goes_first_and_the_rest_run_niced(settings: Settings) -> None:
    table = process_table(settings)

    assert set(table) == {"rasa", "actions", "web", "worker", "scheduler"}
    assert table["web"][0][0].endswith("gunicorn")  # normal priority: Twilio waits on it
    for name in ("rasa", "actions", "worker", "scheduler"):
        assert table[name][0][:3] == ["nice", "-n", str(BACKGROUND_NICENESS)], name


def test_a_command_in_the_background_really_runs_niced() -> None:
    command = in_background(["python3", "-c", "import os; print(os.nice(0))"])

    niceness = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert int(niceness) >= BACKGROUND_NICENESS


SECRETS = {
    "TWILIO_AUTH_TOKEN": "twilio-token-for-the-test",
    "LESSONBOT_PHONE_HASH_KEY": "phone-hash-key-for-the-test",
    "LESSONBOT_SECRET_KEY": "staff-session-key-for-the-test",
    "LESSONBOT_RASA_TOKEN": "rasa-token-for-the-test",
}


@pytest.fixture
def deployed(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings and an environment as a deployment has them: secrets in the environment."""
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return settings.with_overrides(
        {
            "twilio.auth_token": SECRETS["TWILIO_AUTH_TOKEN"],
            "secrets.phone_hash_key": SECRETS["LESSONBOT_PHONE_HASH_KEY"],
            "secrets.secret_key": SECRETS["LESSONBOT_SECRET_KEY"],
            "rasa.token": SECRETS["LESSONBOT_RASA_TOKEN"],
        }
    )


def secret_values(settings: Settings) -> dict[str, str]:
    return {
        "rasa token": settings.rasa.token,
        "twilio token": settings.twilio.auth_token,
        "phone hash key": settings.secrets.phone_hash_key,
        "phone encryption key": settings.secrets.phone_encryption_key,
        "staff session key": settings.secrets.secret_key,
    }


def test_no_secret_is_on_any_command_line(deployed: Settings) -> None:
    for name, (command, _cwd) in process_table(deployed).items():
        line = " ".join(command)
        for what, value in secret_values(deployed).items():
            assert value not in line, f"{what} on the command line of {name}"


def test_rasa_and_the_actions_get_no_key_to_phone_numbers_and_no_twilio_token(
    deployed: Settings,
) -> None:
    secrets = secret_values(deployed)
    rasa = set(process_environment(deployed, "rasa").values())
    actions = set(process_environment(deployed, "actions").values())

    assert secrets["rasa token"] in rasa  # Rasa's own, for its HTTP API
    for what in ("twilio token", "phone hash key", "phone encryption key", "staff session key"):
        assert secrets[what] not in rasa, what
    for what, value in secrets.items():
        assert value not in actions, what


def test_the_app_processes_get_the_secrets_they_use(deployed: Settings) -> None:
    for name in ("web", "worker", "scheduler"):
        env = process_environment(deployed, name)
        assert env["TWILIO_AUTH_TOKEN"] == SECRETS["TWILIO_AUTH_TOKEN"], name
        assert env["LESSONBOT_PHONE_ENCRYPTION_KEY"] == deployed.secrets.phone_encryption_key
        assert env["LESSONBOT_PHONE_HASH_KEY"] == SECRETS["LESSONBOT_PHONE_HASH_KEY"]
        assert env["LESSONBOT_RASA_TOKEN"] == SECRETS["LESSONBOT_RASA_TOKEN"]


def test_the_action_server_starts_without_any_secret(deployed: Settings) -> None:
    """Its settings load from an environment without secrets, even with Twilio configured."""
    env = process_environment(deployed, "actions") | {"TWILIO_ACCOUNT_SID": "AC" + "a1" * 16}
    loaded = load_settings(environ=env, with_secrets=False)

    assert loaded.secrets.phone_encryption_key == ""
    assert loaded.twilio.auth_token == ""
