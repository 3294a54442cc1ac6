"""Two schedulers started at once: one runs the jobs, the other exits with code 3.

Real `lessonbot scheduler` processes against a fresh database: a lock file
next to it on SQLite, an advisory lock on PostgreSQL. No Rasa is needed: the
database has no learner, so no job calls it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.migrate import upgrade
from bot.settings import Settings
from tests.conftest import make_test_settings
from tests.postgres import scratch_database
from tests.scheduler.processes import scheduler_environment, start_scheduler, stop, wait_for

ALREADY_RUNNING = 3


@pytest.fixture
def pg_settings(tmp_path: Path) -> Iterator[Settings]:
    with scratch_database("lessonbot_lock") as url:
        settings = make_test_settings(tmp_path, {"app.database_url": url})
        upgrade(settings)
        yield settings


def only_one_runs(settings: Settings, tmp_path: Path) -> None:
    env = scheduler_environment(settings, LESSONBOT_RASA_URL="http://127.0.0.1:9")
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    processes = [start_scheduler(env, log) for log in logs]
    try:
        wait_for(lambda: any(p.poll() is not None for p in processes), 60, "one scheduler to exit")
        [loser] = [i for i, p in enumerate(processes) if p.poll() is not None]
        winner = 1 - loser
        assert processes[loser].returncode == ALREADY_RUNNING
        assert "not starting: another scheduler holds" in logs[loser].read_text()
        # The other one runs its jobs, and keeps running.
        wait_for(
            lambda: "job deliver_due_lessons: {'due': 0" in logs[winner].read_text(),
            60,
            "the jobs of the scheduler that got the lock",
        )
        assert processes[winner].poll() is None, logs[winner].read_text()
    finally:
        for process in processes:
            stop(process)


def test_only_one_scheduler_runs_on_sqlite(settings: Settings, tmp_path: Path) -> None:
    only_one_runs(settings, tmp_path)


@pytest.mark.postgres
def test_only_one_scheduler_runs_on_postgresql(pg_settings: Settings, tmp_path: Path) -> None:
    only_one_runs(pg_settings, tmp_path)
