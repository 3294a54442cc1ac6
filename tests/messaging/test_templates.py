"""A lesson WhatsApp refused (window closed) gets the approved template, once per turn."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.learners.schedule import release_waiting_lesson
from bot.messaging.outbox import write_reply
from bot.messaging.replies import Reply
from bot.messaging.templates import send_window_templates, window_failures_query
from bot.models import Learner, LessonDelivery, OutboxMessage
from bot.settings import Settings
from bot.vocab import FailureReason, LearnerStatus, OutboxStatus

NOW = datetime(2025, 3, 3, 19, 0)
SLOT = datetime(2025, 3, 3, 18, 0)
TEMPLATE_SID = "HX" + "1" * 32


@pytest.fixture
def job_settings(settings: Settings) -> Settings:
    return settings.with_overrides({"twilio.whatsapp_window_template_sid": TEMPLATE_SID})


def add_learner_with_failed_lesson(
    sessions: sessionmaker[Session],
    *,
    reason: FailureReason = FailureReason.WINDOW_CLOSED,
    failed_at: datetime = NOW - timedelta(minutes=1),
    kinds: tuple[str, ...] = ("lesson", "quiz"),
    **fields: Any,
) -> Learner:
    """A WhatsApp learner whose scheduled lesson 1 (and its quiz) failed at ``failed_at``."""
    values: dict[str, Any] = {
        "channel": "whatsapp",
        "status": LearnerStatus.ACTIVE,
        "language": "es",
        "course_key": "entrepreneurship",
        "delivery_time": "13:00",
        "created_at": NOW - timedelta(days=3),
        "consent_at": NOW - timedelta(days=3),
        "last_inbound_at": SLOT - timedelta(hours=23, minutes=59),
        "next_lesson_at": NOW + timedelta(days=1),
    }
    values.update(fields)
    with session_scope(sessions) as session:
        learner = Learner(**values)
        session.add(learner)
        session.flush()
        session.add(
            LessonDelivery(
                learner_id=learner.id,
                course_key="entrepreneurship",
                lesson_key="ent-test-idea",
                delivered_at=SLOT,
            )
        )
        session.flush()
        for index, kind in enumerate(kinds):
            key = f"lesson:{learner.public_id}:{SLOT.isoformat()}:{index}"
            write_reply(session, key, learner.id, Reply(f"{kind} text", kind=kind), SLOT)
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.learner_id == learner.id)
            .values(status=OutboxStatus.FAILED, failure_reason=reason, status_updated_at=failed_at)
        )
    return learner


def run(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> dict[str, int]:
    with session_scope(sessions) as session:
        return send_window_templates(session, settings, now)


def templates(sessions: sessionmaker[Session]) -> list[OutboxMessage]:
    with session_scope(sessions) as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == "window_template")
        return list(session.scalars(query))


def test_a_refused_lesson_and_quiz_bring_one_template_and_the_lesson_waits(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    learner = add_learner_with_failed_lesson(sessions)

    assert run(sessions, job_settings, NOW) == {"window_template": 1, "already_waiting": 1}
    assert run(sessions, job_settings, NOW + timedelta(minutes=1)) == {"window_template": 0}

    [row] = templates(sessions)
    assert row.idempotency_key == f"lesson:{learner.public_id}:{SLOT.isoformat()}:window"
    # The reply brings lesson 1 again (it never arrived), so the template says 1.
    assert (row.content_sid, row.content_variables) == (TEMPLATE_SID, {"1": "1"})
    with session_scope(sessions) as session:
        waiting = session.get(Learner, learner.id)
        assert waiting is not None
        assert (waiting.lesson_waiting_since, waiting.next_lesson_at) == (NOW, None)
        # The learner replies: the lesson is due at once (and bot.learners.catchup resends it).
        reply_at = NOW + timedelta(hours=1)
        waiting.last_inbound_at = reply_at
        assert release_waiting_lesson(waiting, reply_at)
        assert waiting.next_lesson_at == reply_at
    assert run(sessions, job_settings, NOW + timedelta(hours=2)) == {"window_template": 0}


# case, learner and failure, expected templates
NO_TEMPLATE = [
    ("another error (unreachable phone)", {"reason": FailureReason.UNREACHABLE}),
    ("a failure older than two days", {"failed_at": NOW - timedelta(days=2, minutes=1)}),
    ("the learner wrote since: window open", {"last_inbound_at": NOW - timedelta(seconds=30)}),
    ("the learner moved to SMS", {"channel": "sms"}),
    ("opted out", {"status": LearnerStatus.OPTED_OUT}),
    ("already waiting for a template's answer", {"lesson_waiting_since": SLOT}),
    ("a reply, not a lesson", {"kinds": ("reply",)}),
]  # fmt: skip


@pytest.mark.parametrize(
    "fields", [case[1] for case in NO_TEMPLATE], ids=[case[0] for case in NO_TEMPLATE]
)
def test_no_template(
    sessions: sessionmaker[Session], job_settings: Settings, fields: dict[str, Any]
) -> None:
    add_learner_with_failed_lesson(sessions, **fields)

    assert run(sessions, job_settings, NOW) == {"window_template": 0}
    assert templates(sessions) == []


def test_the_query_reads_only_the_window_closed_failures(sessions: sessionmaker[Session]) -> None:
    query = window_failures_query(NOW, 500)
    with session_scope(sessions) as session:
        compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = " ".join(
            str(row[-1]) for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        )
    assert "USING INDEX ix_outbox_window_closed" in plan
    assert "TEMP B-TREE" not in plan  # the index gives the order
