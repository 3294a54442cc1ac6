"""One real Rasa server (trained model) and one action server per test session.

Both run exactly as `lessonbot up` runs them (same command lines), on free
loopback ports, against a database of their own that the tests share. Each
test uses a fresh phone number, so learners never collide.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest

from bot.local.up import (
    MODEL_PATH,
    NLU_DIR,
    RASA_BIN,
    actions_command,
    process_environment,
    rasa_command,
)
from bot.migrate import upgrade
from bot.settings import Settings
from tests.conftest import make_test_settings

STARTUP_TIMEOUT_SECONDS = 240


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def stack_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    directory = tmp_path_factory.mktemp("stack")
    settings = make_test_settings(
        directory,
        {
            "rasa.url": f"http://127.0.0.1:{free_port()}",
            "rasa.actions_port": free_port(),
            "sender.rate_per_second": 1000.0,
            # These tests follow the dialogue and compare replies with the
            # catalogs' texts, accents included; the accent-free SMS rendering
            # (the default for es and fr) has its own tests (tests/text,
            # tests/messaging/test_sender.py).
            "sender.sms_accent_free_languages": [],
        },
    )
    upgrade(settings)
    return settings


class RasaStack:
    """The running Rasa and action servers, with their logs for failure reports."""

    def __init__(self, settings: Settings, log_dir: Path) -> None:
        self.settings = settings
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []

    def start(self) -> None:
        database = {"LESSONBOT_DATABASE_URL": self.settings.app.database_url}
        rasa_port = int(self.settings.rasa.url.rsplit(":", 1)[1])
        actions_env = process_environment(self.settings, "actions") | database
        self._spawn("actions", actions_command(self.settings), actions_env, Path.cwd())
        rasa_env = process_environment(self.settings, "rasa")
        self._spawn("rasa", rasa_command(self.settings, rasa_port), rasa_env, NLU_DIR)
        self._wait_until_ready()

    def _spawn(self, name: str, command: list[str], env: dict[str, str], cwd: Path) -> None:
        log_file = (self.log_dir / f"{name}.log").open("wb")
        self._logs.append(log_file)
        self.processes[name] = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log_file, stderr=subprocess.STDOUT
        )

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    pytest.fail(f"{name} exited early:\n{self.log_tail(name)}")
            try:
                status = httpx.get(
                    f"{self.settings.rasa.url}/status",
                    params={"token": self.settings.rasa.token},
                    timeout=2,
                )
                actions = httpx.get(
                    f"http://127.0.0.1:{self.settings.rasa.actions_port}/health", timeout=2
                )
                if (
                    status.status_code == 200
                    and status.json().get("model_file")
                    and actions.status_code == 200
                ):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        pytest.fail("Rasa did not start in time:\n" + self.log_tail("rasa"))

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.log_dir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log_file in self._logs:
            log_file.close()


@pytest.fixture(scope="session")
def rasa_stack(
    stack_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RasaStack]:
    missing = [str(p) for p in (RASA_BIN, MODEL_PATH) if not p.exists()]
    if missing:
        pytest.fail("Rasa integration tests need " + ", ".join(missing) + ": run `make model`")
    stack = RasaStack(stack_settings, tmp_path_factory.mktemp("stack-logs"))
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
        if os.environ.get("LESSONBOT_KEEP_STACK_LOGS"):
            print(stack.log_tail("rasa"), stack.log_tail("actions"))


@pytest.fixture(scope="session")
def stack_app(stack_settings: Settings):  # type: ignore[no-untyped-def]
    from bot import create_app

    return create_app(settings=stack_settings)


@pytest.fixture
def new_phone(rasa_stack: RasaStack, stack_app, stack_settings: Settings):  # type: ignore[no-untyped-def]
    """Make phones of fresh learners: ``new_phone()`` or ``new_phone(channel="whatsapp")``."""
    import secrets

    from bot.db import make_engine, make_session_factory
    from bot.messaging.rasa_client import RasaClient
    from tests.integration.phone import Phone

    engine = make_engine(stack_settings.app.database_url)
    sessions = make_session_factory(engine)
    rasa = RasaClient(stack_settings)

    def make(channel: str = "sms") -> Phone:
        number = "+5076" + str(secrets.randbelow(10**7)).zfill(7)
        return Phone(stack_app.test_client(), stack_settings, sessions, rasa, number, channel)

    yield make
    rasa.close()
    engine.dispose()
