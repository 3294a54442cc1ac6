"""Run the real `lessonbot scheduler` as a child process, as `lessonbot up` does."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot.local.up import process_environment
from bot.settings import PROJECT_ROOT, Settings

LESSONBOT = Path(sys.executable).parent / "lessonbot"


def scheduler_environment(settings: Settings, **extra: str) -> dict[str, str]:
    env = process_environment(settings, "scheduler")
    env.update(
        {
            "LESSONBOT_DATABASE_URL": settings.app.database_url,
            "LESSONBOT_RASA_URL": settings.rasa.url,
            "TWILIO_AUTH_TOKEN": settings.twilio.auth_token,
            # Every job run's summary, quiet ones too (they log at DEBUG).
            "LESSONBOT_OPS_LOG_DEBUG": "true",
            **extra,
        }
    )
    return env


def start_scheduler(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(LESSONBOT), "scheduler"], cwd=PROJECT_ROOT, env=env, stdout=out, stderr=out
        )


def wait_for(condition: Callable[[], bool], timeout: float, what: str, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
