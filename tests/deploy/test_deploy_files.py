"""The deployment recipe, checked without a container engine (none can run on this machine).

The compose file is read as YAML and its parts checked against each other and
against the app's own settings: every variable it uses is in the example
environment file, every service it names exists, the Rasa servers and stores
the settings point at are its services. The systemd units go through
``systemd-analyze verify``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
import yaml

from bot.local.rasa_stores import endpoints
from bot.local.up import BACKGROUND_NICENESS, process_table
from bot.settings import PROJECT_ROOT, load_settings

DEPLOY = PROJECT_ROOT / "deploy"
APP_COMMANDS = {"web", "worker", "scheduler", "actions", "db", "rasa-endpoints"}


def compose() -> dict:  # type: ignore[type-arg]
    return dict(yaml.safe_load((DEPLOY / "compose.yml").read_text()))


def example_env() -> dict[str, str]:
    lines = (DEPLOY / "lessonbot.env.example").read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line and not line.startswith("#")]
    return {name: value for name, value in pairs}


def production_settings():  # type: ignore[no-untyped-def]
    environ = {
        "LESSONBOT_CONFIG": str(DEPLOY / "config.production.yml"),
        "LESSONBOT_RASA_TRACKER_STORE_PASSWORD": "x",
        "LESSONBOT_RASA_LOCK_STORE_PASSWORD": "y",
    }
    return load_settings(environ=environ, with_secrets=False)


def test_the_stack_has_every_process_of_the_issue() -> None:
    services = compose()["services"]

    assert {"postgres", "redis", "rasa1", "rasa2", "actions", "web", "worker", "scheduler"} <= set(
        services
    )
    assert {"caddy", "backup", "migrate", "rasa-endpoints"} <= set(services)
    assert services["worker"]["deploy"]["replicas"] == 2
    assert "replicas" not in services["scheduler"].get("deploy", {})
    # Only the TLS proxy is reachable from outside.
    assert [name for name, s in services.items() if s.get("ports")] == ["caddy"]


def test_every_reference_in_the_compose_file_resolves() -> None:
    stack = compose()
    services, volumes = stack["services"], set(stack["volumes"])
    text = (DEPLOY / "compose.yml").read_text()

    used = set(re.findall(r"(?<!\$)\$\{([A-Z_]+)", text))
    assert used <= set(example_env()) | {"LESSONBOT_VERSION", "LESSONBOT_MODEL_VERSION"}
    for name, service in services.items():
        for needed in service.get("depends_on", {}):
            assert needed in services, f"{name} depends on {needed}"
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), f"{name} mounts {source}"
            else:
                assert source in volumes, f"{name} mounts undeclared volume {source}"
        build = service.get("build")
        if build:
            assert (DEPLOY / build["context"] / build["dockerfile"]).exists()
        command = service.get("command") or []
        if command[:1] == ["lessonbot"]:
            assert command[1] in APP_COMMANDS, f"{name}: lessonbot {command[1]}"


def test_the_settings_point_at_the_stacks_services() -> None:
    settings = production_settings()
    services = compose()["services"]

    hosts = [urlsplit(url) for url in settings.rasa.servers]
    assert [h.hostname for h in hosts] == ["rasa1", "rasa2"]
    assert {h.port for h in hosts} == {5005}
    assert (
        "--port" in services["rasa1"].get("command", [])
        or "5005" in (DEPLOY / "Containerfile.rasa").read_text()
    )
    written = endpoints(settings)
    assert urlsplit(written["action_endpoint"]["url"]).hostname == "actions"
    assert written["tracker_store"]["url"] == "postgres"
    assert written["tracker_store"]["password"] == "${LESSONBOT_RASA_TRACKER_STORE_PASSWORD}"
    assert written["lock_store"]["url"] == "redis"
    # Rasa's containers get exactly what the endpoints file names, and the token.
    rasa_env = set(services["rasa1"]["environment"])
    assert {
        "LESSONBOT_RASA_TOKEN",
        "LESSONBOT_RASA_TRACKER_STORE_PASSWORD",
        "LESSONBOT_RASA_LOCK_STORE_PASSWORD",
    } <= rasa_env
    assert not {"TWILIO_AUTH_TOKEN", "LESSONBOT_PHONE_ENCRYPTION_KEY"} & rasa_env
    assert "env_file" not in services["rasa1"]
    assert settings.app.web_port == 8000 and "web:8000" in (DEPLOY / "Caddyfile").read_text()


def test_no_secret_value_is_committed() -> None:
    secret_names = [n for n in example_env() if re.search("PASSWORD|TOKEN|KEY|SID", n)]
    for name in secret_names:
        assert example_env()[name] == "", f"{name} has a value in the example"
    assert "lessonbot.env" in (PROJECT_ROOT / ".gitignore").read_text()


def test_the_systemd_units_verify() -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is needed (Debian: apt-get install systemd)")
    units = sorted(str(p) for p in (DEPLOY / "systemd").iterdir())
    done = subprocess.run(
        ["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=120
    )
    # The one complaint allowed: the programs are not installed at /opt/lessonbot here.
    problems = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if not re.search(r"Command /opt/lessonbot/\S+ is not executable", line)
    ]
    assert problems == []


def test_the_units_run_the_lessonbot_commands() -> None:
    for unit in (DEPLOY / "systemd").glob("*.service"):
        starts = [
            line.split("=", 1)[1]
            for line in unit.read_text().splitlines()
            if line.startswith(("ExecStart=", "ExecStartPre="))
        ]
        assert starts, unit.name
        for start in starts:
            program = start.split()[0]
            if program.endswith("/lessonbot"):
                assert start.split()[1] in APP_COMMANDS, f"{unit.name}: {start}"
        assert "EnvironmentFile=/etc/lessonbot/lessonbot.env" in unit.read_text()
        assert "User=lessonbot" in unit.read_text()


def test_the_units_give_the_cpu_priorities_lessonbot_up_gives() -> None:
    # The web answers Twilio (15 s, then a retry): on a busy machine it goes
    # first, as under `lessonbot up` (bot/local/up.py); the rest yield to it.
    niceness = {}
    for process in process_table(load_settings()):
        unit = next((DEPLOY / "systemd").glob(f"lessonbot-{process.rstrip('0123456789')}*.service"))
        found = re.findall(r"^Nice=(-?\d+)$", unit.read_text(), flags=re.MULTILINE)
        niceness[process] = int(found[0]) if found else 0

    assert niceness == {
        "rasa": BACKGROUND_NICENESS,
        "actions": BACKGROUND_NICENESS,
        "web": 0,
        "worker": BACKGROUND_NICENESS,
        "scheduler": BACKGROUND_NICENESS,
    }
