"""Reminders: one per unanswered quiz question, one "still there?" per silence, then a pause.

Tables of (case, now, learner, expected), ``now`` injected, against a migrated
database. 2025-03-03 is a Monday; Panama is UTC-5, Tokyo UTC+9.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.learners.due import find_due, quiz_reminder_query, silent_learner_query
from bot.learners.schedule import resume_after_silence, schedule_next_lesson
from bot.messaging.inbound import InboundSms
from bot.messaging.ingest import find_or_create_learner
from bot.messaging.outbox import write_reply
from bot.messaging.reminders import send_quiz_reminders, send_still_there
from bot.messaging.replies import Reply
from bot.models import Learner, OutboxMessage
from bot.phones import phone_hash
from bot.settings import Settings
from bot.vocab import LearnerStatus, OutboxStatus
from scheduler.main import build_scheduler

# The quiz question came with a lesson at 14:00 in Panama on Monday.
ASKED = datetime(2025, 3, 3, 19, 0)
DUE = ASKED + timedelta(hours=20)  # reminder_delay_hours: 10:00 in Panama on Tuesday
NUMBER = "+50761234567"


@pytest.fixture
def job_settings(settings: Settings) -> Settings:
    return settings.with_overrides(
        {"schedule.reminder_delay_hours": 20.0, "schedule.inactive_days": 7}
    )


def add_learner(sessions: sessionmaker[Session], **fields: Any) -> Learner:
    values: dict[str, Any] = {
        "channel": "sms",
        "status": LearnerStatus.ACTIVE,
        "language": "es",
        "course_key": "entrepreneurship",
        "delivery_time": "14:00",
        "timezone": "America/Panama",
        "consent_at": ASKED - timedelta(days=30),
        "created_at": ASKED - timedelta(days=30),
        "pending_lesson_key": "ent-test-idea",
        "pending_question_key": "q1",
        "question_asked_at": ASKED,
        "last_lesson_at": ASKED,
        "last_inbound_at": ASKED - timedelta(hours=1),
        "next_lesson_at": ASKED + timedelta(days=1),
    }
    values.update(fields)
    with session_scope(sessions) as session:
        learner = Learner(**values)
        session.add(learner)
    return learner


def reminders(sessions: sessionmaker[Session]) -> list[OutboxMessage]:
    with session_scope(sessions) as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == "reminder")
        return list(session.scalars(query.order_by(OutboxMessage.id)))


def remind(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> dict[str, int]:
    with session_scope(sessions) as session:
        return send_quiz_reminders(session, settings, now)


def ask(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> dict[str, int]:
    with session_scope(sessions) as session:
        return send_still_there(session, settings, now)


def reload(sessions: sessionmaker[Session], learner: Learner) -> Learner:
    with session_scope(sessions) as session:
        found = session.get(Learner, learner.id)
        assert found is not None
        return found


TOKYO_MIDNIGHT = datetime(2025, 3, 4, 15, 0)  # DUE: 00:00 in Tokyo, quiet

# case, now, learner fields, outcome (None: not a candidate at all)
QUIZ_REMINDERS = [
    ("19 h 59 m after the question: not yet", DUE - timedelta(minutes=1), {}, None),
    ("20 h after: the reminder", DUE, {}, "reminded"),
    ("a question asked later: counted from it",
     DUE, {"question_asked_at": ASKED + timedelta(hours=3)}, None),
    ("no question asked", DUE, {"question_asked_at": None}, None),
    ("the learner wrote since: counted from their message",
     DUE, {"last_inbound_at": ASKED + timedelta(hours=2)}, "not_yet"),
    ("the question was answered",
     DUE, {"pending_question_key": None, "pending_lesson_key": None}, "answered"),
    ("a pause is running", DUE, {"paused_until": DUE + timedelta(days=1)}, "not_active"),
    ("a pause is over", DUE, {"paused_until": DUE - timedelta(hours=1)}, "reminded"),
    ("asked still there, lessons paused",
     DUE, {"nudged_at": DUE - timedelta(days=1)}, "not_active"),
    ("opted out", DUE, {"status": LearnerStatus.OPTED_OUT}, "not_active"),
    ("in the learner's quiet hours: waits",
     TOKYO_MIDNIGHT, {"timezone": "Asia/Tokyo"}, "skipped_quiet"),
    ("06:59 in Tokyo: still quiet",
     datetime(2025, 3, 4, 21, 59), {"timezone": "Asia/Tokyo"}, "skipped_quiet"),
    ("07:00 in Tokyo: the end of the quiet hours",
     datetime(2025, 3, 4, 22, 0), {"timezone": "Asia/Tokyo"}, "reminded"),
    ("WhatsApp, 21 h since the learner wrote: window open",
     DUE, {"channel": "whatsapp"}, "reminded"),
    ("WhatsApp, 24 h 01 m since the learner wrote: window closed, not sent",
     DUE, {"channel": "whatsapp", "last_inbound_at": DUE - timedelta(hours=24, minutes=1)},
     "skipped_window"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("now", "fields", "outcome"),
    [case[1:] for case in QUIZ_REMINDERS],
    ids=[case[0] for case in QUIZ_REMINDERS],
)
def test_quiz_reminder_timing(
    sessions: sessionmaker[Session],
    job_settings: Settings,
    now: datetime,
    fields: dict[str, Any],
    outcome: str | None,
) -> None:
    learner = add_learner(sessions, **fields)

    summary = remind(sessions, job_settings, now)

    assert summary == ({outcome: 1} if outcome else {})
    assert len(reminders(sessions)) == (1 if outcome == "reminded" else 0)
    # Handled (sent or not needed): the learner leaves the job's index.
    handled = outcome not in (None, "not_yet", "skipped_quiet")
    assert (reload(sessions, learner).question_asked_at is None) == (
        handled or fields.get("question_asked_at", ASKED) is None
    )


def test_the_reminder_is_sent_once_per_question_in_the_learners_language(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    learner = add_learner(sessions)

    assert remind(sessions, job_settings, DUE) == {"reminded": 1}
    assert remind(sessions, job_settings, DUE + timedelta(hours=1)) == {}
    with session_scope(sessions) as session:  # REPEAT asks the same question again
        session.get(Learner, learner.id).question_asked_at = DUE  # type: ignore[union-attr]
    # Wednesday 08:00 in Panama (at 06:00 it would still be the quiet hours).
    assert remind(sessions, job_settings, DUE + timedelta(hours=22)) == {"already_sent": 1}

    [row] = reminders(sessions)
    assert row.idempotency_key == f"reminder:{learner.public_id}:ent-test-idea/q1"
    assert row.body is not None and row.body.startswith("Un pequeño recordatorio")
    assert row.status == OutboxStatus.PENDING

    # The next question of the lesson gets a reminder of its own.
    with session_scope(sessions) as session:
        waiting = session.get(Learner, learner.id)
        assert waiting is not None
        waiting.pending_question_key = "q2"
        waiting.last_inbound_at = waiting.question_asked_at = DUE + timedelta(hours=23)
    assert remind(sessions, job_settings, DUE + timedelta(hours=46)) == {"reminded": 1}


def test_learners_in_quiet_hours_do_not_hold_back_the_others(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    # The oldest questions are in Tokyo, where it is midnight: they wait.
    for minutes in range(5):
        add_learner(
            sessions, timezone="Asia/Tokyo", question_asked_at=ASKED - timedelta(minutes=minutes)
        )
    waiting_in_panama = [add_learner(sessions) for _ in range(3)]
    small_pages = job_settings.with_overrides({"schedule.due_batch_size": 2})

    summary = remind(sessions, small_pages, TOKYO_MIDNIGHT)

    assert summary == {"skipped_quiet": 5, "reminded": 3}
    assert {row.learner_id for row in reminders(sessions)} == {
        learner.id for learner in waiting_in_panama
    }


def test_no_reminder_for_a_question_that_never_reached_the_phone(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    learner = add_learner(sessions)
    with session_scope(sessions) as session:
        write_reply(session, "lesson:x:0", learner.id, Reply("Lesson", kind="lesson"), ASKED)
        write_reply(session, "lesson:x:1", learner.id, Reply("Why?", kind="quiz"), ASKED)
        for row in session.scalars(select(OutboxMessage)):
            row.status = OutboxStatus.UNDELIVERED

    assert remind(sessions, job_settings, DUE) == {"skipped_unreachable": 1}
    assert reminders(sessions) == []
    assert reload(sessions, learner).question_asked_at is None


SILENT_FROM = datetime(2025, 3, 3, 19, 0)  # the learner's last message
SILENT_DUE = SILENT_FROM + timedelta(days=7)  # inactive_days: Monday 14:00 in Panama

# case, now, learner fields, outcome (None: not a candidate at all)
STILL_THERE = [
    ("6 d 23 h 59 m of silence: not yet", SILENT_DUE - timedelta(minutes=1), {}, None),
    ("7 days of silence: asked", SILENT_DUE, {}, "asked"),
    ("WhatsApp: the window template does it", SILENT_DUE, {"channel": "whatsapp"}, None),
    ("no lesson scheduled (course done, or waiting)", SILENT_DUE, {"next_lesson_at": None}, None),
    ("silence counts from the end of a pause",
     SILENT_DUE, {"paused_until": SILENT_DUE - timedelta(days=3)}, None),
    ("a pause that ended 7 days ago", SILENT_DUE, {"paused_until": SILENT_FROM}, "asked"),
    ("asked already", SILENT_DUE, {"nudged_at": SILENT_DUE - timedelta(hours=1)}, None),
    ("paused with no end", SILENT_DUE, {"status": LearnerStatus.PAUSED}, None),
    ("in quiet hours: waits", SILENT_DUE + timedelta(hours=8), {}, "skipped_quiet"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("now", "fields", "outcome"),
    [case[1:] for case in STILL_THERE],
    ids=[case[0] for case in STILL_THERE],
)
def test_still_there_timing(
    sessions: sessionmaker[Session],
    job_settings: Settings,
    now: datetime,
    fields: dict[str, Any],
    outcome: str | None,
) -> None:
    values = {"last_inbound_at": SILENT_FROM, "pending_question_key": None, **fields}
    values.setdefault("next_lesson_at", now + timedelta(hours=2))
    add_learner(sessions, **values)

    summary = ask(sessions, job_settings, now)

    assert summary == ({outcome: 1} if outcome else {})
    assert len(reminders(sessions)) == (1 if outcome == "asked" else 0)


def test_still_there_pauses_lessons_until_the_learner_writes(
    sessions: sessionmaker[Session], settings: Settings, job_settings: Settings
) -> None:
    learner = add_learner(
        sessions,
        phone_hash=phone_hash(NUMBER, settings.secrets.phone_hash_key),
        last_inbound_at=SILENT_FROM,
        pending_question_key=None,
        next_lesson_at=SILENT_DUE + timedelta(minutes=5),
    )

    assert ask(sessions, job_settings, SILENT_DUE) == {"asked": 1}
    assert ask(sessions, job_settings, SILENT_DUE + timedelta(days=1)) == {}
    [row] = reminders(sessions)
    assert row.idempotency_key == f"still_there:{learner.public_id}:{SILENT_FROM.isoformat()}"
    assert row.body is not None and row.body.startswith("¿Sigues ahí?")
    paused = reload(sessions, learner)
    assert (paused.next_lesson_at, paused.nudged_at) == (None, SILENT_DUE)
    later = SILENT_DUE + timedelta(days=2)
    with session_scope(sessions) as session:
        assert find_due(session, later, 10) == []
        silent = session.get(Learner, learner.id)
        assert silent is not None
        assert schedule_next_lesson(silent, later, job_settings) is None

    # The learner writes on Thursday at 09:00 in Panama: the schedule resumes.
    wrote_at = datetime(2025, 3, 13, 14, 0)
    message = InboundSms("SM1", "sms", NUMBER, "hola", 0, None)
    with session_scope(sessions) as session:
        find_or_create_learner(session, message, job_settings, wrote_at)
    back = reload(sessions, learner)
    assert back.nudged_at is None
    assert back.next_lesson_at == datetime(2025, 3, 13, 19, 0)  # 14:00 that day

    # A new silence: asked once more, under a key of its own.
    assert ask(sessions, job_settings, wrote_at + timedelta(days=7)) == {"asked": 1}
    assert len(reminders(sessions)) == 2


RESUME = [
    ("not asked: nothing changes", None, False, datetime(2025, 3, 4, 19, 0)),
    ("asked: the next slot", SILENT_DUE, True, datetime(2025, 3, 12, 19, 0)),
]


@pytest.mark.parametrize(
    ("nudged_at", "resumed", "next_at"),
    [case[1:] for case in RESUME],
    ids=[case[0] for case in RESUME],
)
def test_resume_after_silence(
    job_settings: Settings, nudged_at: datetime | None, resumed: bool, next_at: datetime
) -> None:
    learner = Learner(
        status=LearnerStatus.ACTIVE,
        course_key="entrepreneurship",
        delivery_time="14:00",
        delivery_days="1111111",
        timezone="America/Panama",
        nudged_at=nudged_at,
        next_lesson_at=datetime(2025, 3, 4, 19, 0) if nudged_at is None else None,
    )

    assert resume_after_silence(learner, SILENT_DUE + timedelta(days=1), job_settings) is resumed
    assert (learner.nudged_at, learner.next_lesson_at) == (None, next_at)


@pytest.mark.parametrize(
    ("job_id", "interval"),
    [
        ("send_quiz_reminders", timedelta(minutes=5)),
        ("send_still_there", timedelta(minutes=15)),
        ("send_window_templates", timedelta(minutes=1)),
    ],
)
def test_the_jobs_are_in_the_scheduler_table(
    job_settings: Settings, job_id: str, interval: timedelta
) -> None:
    job = build_scheduler(job_settings).get_job(job_id)

    assert job is not None
    assert job.trigger.interval == interval
    assert (job.coalesce, job.max_instances) == (True, 1)


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (quiz_reminder_query, "ix_learner_question_asked"),
        (silent_learner_query, "ix_learner_silence"),
    ],
)
def test_each_job_reads_its_candidates_from_a_partial_index(
    sessions: sessionmaker[Session], job_settings: Settings, query: Any, index: str
) -> None:
    statement = query(DUE, job_settings).limit(500)
    with session_scope(sessions) as session:
        compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = " ".join(
            str(row[-1]) for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        )
    assert f"USING INDEX {index}" in plan
    assert "TEMP B-TREE" not in plan  # the index gives the order
