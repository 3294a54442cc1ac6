"""`lessonbot up`: which processes it starts, and which of them yield the CPU."""

from __future__ import annotations

import subprocess

from bot.local.up import BACKGROUND_NICENESS, in_background, process_table
from bot.settings import Settings


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
