"""`lessonbot scheduler`: APScheduler 3 in its own process.

Jobs are listed in one table with explicit ids; every job coalesces missed
runs and never runs twice at once.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType
from typing import Any

import click
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.broadcasts.approval_email import email_approvers
from bot.broadcasts.queueing import run as run_broadcasts
from bot.clock import utc_now
from bot.db import make_engine, make_session_factory, session_scope
from bot.inbox.conversations import open_learner_ids
from bot.inbox.desk import DESK
from bot.inbox.notify import notify_opened
from bot.logs import configure_logging
from bot.messaging.channels import Channel, make_channel
from bot.messaging.dispatch import deliver_due_lessons
from bot.messaging.handoff import hand_back_closed
from bot.messaging.rasa_client import RasaClient
from bot.messaging.reminders import send_quiz_reminders, send_still_there
from bot.messaging.reviews import send_due_reviews
from bot.messaging.templates import send_window_templates
from bot.ops.heartbeats import HEARTBEAT_SECONDS, beat, process_name
from bot.ops.mail import SmtpSender
from bot.ops.tally import JOB_ITEMS, JOB_RUNS, TALLY, flush
from bot.privacy.erasure_tasks import run_due_tasks
from bot.privacy.retention import purge_message_bodies, purge_tracker_events
from bot.services import Services
from bot.settings import Settings, load_settings
from scheduler.lock import SchedulerAlreadyRunning, SingleSchedulerLock

log = logging.getLogger("scheduler")


JobBody = Callable[[Services, datetime], dict[str, int]]


def _deliver_due_lessons(services: Services, now: datetime) -> dict[str, int]:
    # Opens a transaction per learner: Rasa is called with none open.
    rasa = services.part(RasaClient)
    held = open_learner_ids() if services.settings.inbox.pause_lessons else None
    return deliver_due_lessons(services.sessions, rasa, services.settings, now, held)


def _hand_back_closed(services: Services, now: datetime) -> dict[str, int]:
    # Learners whose conversation staff closed and who have not written since:
    # Rasa is told (and they are) that the bot is back. Rasa is called with no
    # transaction open.
    return hand_back_closed(services.sessions, services.part(RasaClient), DESK, now)


def _run_broadcasts(services: Services, now: datetime) -> dict[str, int]:
    # A transaction per step and per batch: see bot.broadcasts.queueing.
    return run_broadcasts(services.sessions, services.settings, now)


def _send_window_templates(services: Services, now: datetime) -> dict[str, int]:
    with session_scope(services.sessions) as session:
        return send_window_templates(session, services.settings, now)


def _send_quiz_reminders(services: Services, now: datetime) -> dict[str, int]:
    held = open_learner_ids() if services.settings.inbox.pause_lessons else None
    with session_scope(services.sessions) as session:
        return send_quiz_reminders(session, services.settings, now, held)


def _send_still_there(services: Services, now: datetime) -> dict[str, int]:
    with session_scope(services.sessions) as session:
        return send_still_there(session, services.settings, now)


def _send_due_reviews(services: Services, now: datetime) -> dict[str, int]:
    with session_scope(services.sessions) as session:
        return send_due_reviews(session, services.settings, services.catalog(), now)


def _purge_message_bodies(services: Services, now: datetime) -> dict[str, int]:
    # The app's texts first, committed; then Rasa's old events, in Rasa's database.
    with session_scope(services.sessions) as session:
        purged = purge_message_bodies(session, services.settings, now)
    tracker = services.part(RasaClient).tracker_store
    return purged | purge_tracker_events(tracker, services.settings, now)


@dataclass(frozen=True)
class Provider:
    """The channel erasures delete learners' messages through (made on first use)."""

    channel: Channel


def _run_erasure_tasks(services: Services, now: datetime) -> dict[str, int]:
    # A transaction per step; the provider and Rasa's database are called with none open.
    tracker = services.part(RasaClient).tracker_store
    provider = services.part(Provider, lambda: Provider(make_channel(services.settings)))
    return run_due_tasks(services.sessions, tracker, provider.channel, now)


def _email_approvers(services: Services, now: datetime) -> dict[str, int]:
    # As the inbox's email: a transaction to read, one per email sent, none during SMTP.
    sender = services.part(SmtpSender, lambda: SmtpSender(services.settings))
    return email_approvers(services.sessions, services.settings, sender, now)


def _notify_opened_conversations(services: Services, now: datetime) -> dict[str, int]:
    # A transaction to read, one per email sent: none is open while SMTP is talked to.
    sender = services.part(SmtpSender, lambda: SmtpSender(services.settings))
    return notify_opened(services.sessions, services.settings, sender, now)


@dataclass(frozen=True)
class ThisProcess:
    """The scheduler as its heartbeat names it (``bot.ops.heartbeats``)."""

    process: str
    started_at: datetime


def _heartbeat(services: Services, now: datetime) -> dict[str, int]:
    # Shows /readyz that jobs run (a scheduler whose executor is stuck stops
    # beating), and adds the jobs' counts to the database.
    this = services.part(ThisProcess, lambda: ThisProcess(process_name("scheduler"), now))
    with session_scope(services.sessions) as session:
        beat(session, "scheduler", this.process, this.started_at, now)
    return {"counts": flush(services.sessions)}


# id, body, trigger arguments
JOBS: tuple[tuple[str, JobBody, dict[str, Any]], ...] = (
    ("deliver_due_lessons", _deliver_due_lessons, {"trigger": "interval", "minutes": 1}),
    # Staff closed a conversation: the bot takes the learner back (bot.messaging.handoff).
    ("hand_back_closed", _hand_back_closed, {"trigger": "interval", "minutes": 1}),
    ("purge_message_bodies", _purge_message_bodies, {"trigger": "interval", "hours": 1}),
    # What erasures leave in Rasa's tracker store and at Twilio, retried until done.
    ("run_erasure_tasks", _run_erasure_tasks, {"trigger": "interval", "minutes": 1}),
    # A lesson WhatsApp refused (window closed): the approved template instead; the reply brings it.
    ("send_window_templates", _send_window_templates, {"trigger": "interval", "minutes": 1}),
    ("send_quiz_reminders", _send_quiz_reminders, {"trigger": "interval", "minutes": 5}),
    # A question answered wrong comes back 2, then 7 days later (bot.learners.review).
    ("send_due_reviews", _send_due_reviews, {"trigger": "interval", "minutes": 1}),
    ("send_still_there", _send_still_there, {"trigger": "interval", "minutes": 15}),
    # An email to staff per newly opened hand-off (settings inbox.notify_email; off when "").
    (
        "notify_opened_conversations",
        _notify_opened_conversations,
        {"trigger": "interval", "minutes": 1},
    ),
    # An email to those who may approve a broadcast that came to wait (SMTP set; off when not).
    ("email_approvers", _email_approvers, {"trigger": "interval", "minutes": 1}),
    # Starts due broadcasts and keeps the outbox fed a little ahead of the sender.
    ("run_broadcasts", _run_broadcasts, {"trigger": "interval", "seconds": 5}),
    ("heartbeat", _heartbeat, {"trigger": "interval", "seconds": HEARTBEAT_SECONDS}),
)


@dataclass
class _Started:
    announced: bool = False


def run_job(job_id: str, body: JobBody, services: Services) -> None:
    """Run one job and count it; a job that did something says what at INFO, else at DEBUG."""
    try:
        summary = body(services, services.now())
    except Exception:
        TALLY.count(JOB_RUNS, job=job_id, outcome="error")
        raise  # APScheduler logs it with its traceback
    TALLY.count(JOB_RUNS, job=job_id, outcome="ok")
    for item, amount in summary.items():
        if amount:
            TALLY.count(JOB_ITEMS, amount, job=job_id, item=item)
    if job_id != "heartbeat" and any(summary.values()):
        log.info("job %s: %s", job_id, summary)
    else:
        log.debug("job %s: %s", job_id, summary)
    if job_id == "heartbeat":
        started = services.part(_Started, _Started)
        if not started.announced:
            # One line when the jobs run (per-run lines are quiet): process
            # managers and the tests wait for it.
            started.announced = True
            log.info("scheduler: ready, %d jobs scheduled", len(JOBS))


def build_scheduler(settings: Settings) -> BlockingScheduler:
    # What the jobs work with, made once per scheduler process.
    services = Services.for_settings(settings)
    services.add(RasaClient(settings))
    scheduler = BlockingScheduler(timezone="UTC")
    for job_id, body, trigger in JOBS:
        scheduler.add_job(
            run_job,
            id=job_id,
            # APScheduler names a job after its function ("run_job") unless told.
            name=job_id,
            args=(job_id, body, services),
            coalesce=True,
            max_instances=1,
            next_run_time=utc_now().replace(tzinfo=UTC),
            **trigger,
        )
    return scheduler


@click.command("scheduler")
def scheduler() -> None:
    """Run the periodic jobs (only one scheduler per database); SIGTERM stops it cleanly."""
    settings = load_settings()
    configure_logging(settings, "scheduler")
    engine = make_engine(settings.app.database_url)
    lock = SingleSchedulerLock(engine)
    try:
        lock.acquire()
    except SchedulerAlreadyRunning as error:
        click.echo(f"not starting: {error}", err=True)
        sys.exit(3)
    # A process manager stops it with SIGTERM: leave the loop as for Ctrl-C.
    signal.signal(signal.SIGTERM, _stop)
    jobs = build_scheduler(settings)
    try:
        jobs.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler: stopping")
    finally:
        if jobs.running:
            jobs.shutdown(wait=True)  # the jobs running now finish, and count
        lock.release()
        # What the last runs counted (bot.ops.tally).
        flush(make_session_factory(engine))
        engine.dispose()


def _stop(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)
