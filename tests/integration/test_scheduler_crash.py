"""The scheduler killed (SIGKILL) in the middle of a tick and started again: every due
learner gets exactly one lesson, through the real `lessonbot scheduler`, Rasa and actions."""

from __future__ import annotations

import secrets
import signal
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from bot.clock import utc_now
from bot.db import make_engine, make_session_factory, session_scope
from bot.models import Learner, LessonDelivery, OutboxMessage
from bot.settings import Settings
from bot.vocab import LearnerStatus
from lessons import load_catalog
from tests.scheduler.processes import scheduler_environment, start_scheduler, stop, wait_for

pytestmark = pytest.mark.rasa

LEARNERS = 40
# No quiet hours for this run: the test must not depend on the time of day.
NO_QUIET_HOURS = {
    "LESSONBOT_SCHEDULE_QUIET_START": "00:00",
    "LESSONBOT_SCHEDULE_QUIET_END": "00:00",
}


def test_a_killed_tick_sends_every_due_lesson_exactly_once(
    rasa_stack, stack_settings: Settings, tmp_path: Path
) -> None:
    engine = make_engine(stack_settings.app.database_url)
    sessions = make_session_factory(engine)
    now = utc_now()
    with session_scope(sessions) as session:
        learners = [
            Learner(
                phone_hash="crash-" + secrets.token_hex(8),
                phone_encrypted="not-a-number",
                channel="sms",
                status=LearnerStatus.ACTIVE,
                language="es",
                consent_at=now - timedelta(days=1),
                course_key="entrepreneurship",
                delivery_time="12:00",
                created_at=now - timedelta(days=1),
                last_inbound_at=now - timedelta(hours=1),
                next_lesson_at=now - timedelta(minutes=1, seconds=index),
            )
            for index in range(LEARNERS)
        ]
        session.add_all(learners)
    ids = [learner.id for learner in learners]

    def lessons_queued() -> int:
        with session_scope(sessions) as session:
            return (
                session.scalar(
                    select(func.count(OutboxMessage.id)).where(
                        OutboxMessage.learner_id.in_(ids), OutboxMessage.kind == "lesson"
                    )
                )
                or 0
            )

    env = scheduler_environment(stack_settings, **NO_QUIET_HOURS)
    log = tmp_path / "scheduler.log"
    first = second = None
    try:
        first = start_scheduler(env, log)
        wait_for(lambda: lessons_queued() >= LEARNERS // 4, 120, "a quarter of the lessons")
        first.send_signal(signal.SIGKILL)
        first.wait()
        killed_at = lessons_queued()
        assert killed_at < LEARNERS, "the tick ended before the kill: nothing was tested"

        second = start_scheduler(env, log)
        wait_for(lambda: lessons_queued() >= LEARNERS, 180, "every lesson", step=0.2)
    finally:
        for process in (first, second):
            if process is not None:
                stop(process)
        # The database is the whole session's: these learners must not fall due
        # again in another test's tick.
        with session_scope(sessions) as session:
            session.execute(
                update(Learner)
                .where(Learner.id.in_(ids))
                .values(status=LearnerStatus.PAUSED, next_lesson_at=None)
            )

    with session_scope(sessions) as session:
        rows = session.execute(
            select(OutboxMessage.learner_id, OutboxMessage.kind).where(
                OutboxMessage.learner_id.in_(ids)
            )
        ).all()
        deliveries = session.execute(
            select(LessonDelivery.learner_id, LessonDelivery.lesson_key).where(
                LessonDelivery.learner_id.in_(ids)
            )
        ).all()
    for learner_id in ids:
        kinds = sorted(kind for owner, kind in rows if owner == learner_id)
        assert kinds == ["lesson", "quiz"], (learner_id, kinds, log.read_text()[-3000:])
    assert sorted(owner for owner, _key in deliveries) == sorted(ids)
    first_lesson = load_catalog(stack_settings.lessons_path).course("entrepreneurship").lessons[0]
    assert {key for _owner, key in deliveries} == {first_lesson.key}
    engine.dispose()
    print(f"killed after {killed_at} of {LEARNERS} lessons")
