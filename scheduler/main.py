"""`lessonbot scheduler`: APScheduler 3 in its own process.

Jobs are listed in one table with explicit ids; every job coalesces missed
runs and never runs twice at once.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine, make_session_factory, session_scope
from bot.logs import configure_logging
from bot.settings import Settings, load_settings
from scheduler.jobs import purge_message_bodies
from scheduler.lock import SchedulerAlreadyRunning, SingleSchedulerLock

log = logging.getLogger("scheduler")

JobBody = Callable[[Session, Settings, datetime], dict[str, int]]

# id, body, trigger arguments
JOBS: tuple[tuple[str, JobBody, dict[str, Any]], ...] = (
    ("purge_message_bodies", purge_message_bodies, {"trigger": "interval", "hours": 1}),
)


def run_job(
    job_id: str, body: JobBody, sessions: sessionmaker[Session], settings: Settings
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    with session_scope(sessions) as session:
        summary = body(session, settings, now)
    log.info("job %s: %s", job_id, summary)


def build_scheduler(settings: Settings) -> BlockingScheduler:
    sessions = make_session_factory(make_engine(settings.database_url))
    scheduler = BlockingScheduler(timezone="UTC")
    for job_id, body, trigger in JOBS:
        scheduler.add_job(
            run_job,
            id=job_id,
            args=(job_id, body, sessions, settings),
            coalesce=True,
            max_instances=1,
            next_run_time=datetime.now(UTC),
            **trigger,
        )
    return scheduler


@click.command("scheduler")
def scheduler() -> None:
    """Run the periodic jobs (only one scheduler per database)."""
    configure_logging()
    settings = load_settings()
    lock = SingleSchedulerLock(make_engine(settings.database_url))
    try:
        lock.acquire()
    except SchedulerAlreadyRunning as error:
        click.echo(f"not starting: {error}", err=True)
        sys.exit(3)
    try:
        build_scheduler(settings).start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        lock.release()
