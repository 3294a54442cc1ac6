"""WhatsApp refuses a scheduled lesson (window closed): the learner gets the approved template,
and their reply brings that same lesson, through the real jobs, Rasa and actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import utc_now
from bot.messaging.dispatch import deliver_due_lessons
from bot.messaging.outbox import mark_failed
from bot.messaging.templates import send_window_templates
from bot.models import OutboxMessage
from bot.vocab import FailureReason
from lessons import load_catalog

pytestmark = pytest.mark.rasa

TEMPLATE_SID = "HX" + "2" * 32


def test_a_refused_lesson_is_sent_again_after_the_learners_reply(new_phone, stack_settings) -> None:
    settings = stack_settings.with_overrides(
        {
            "twilio.whatsapp_window_template_sid": TEMPLATE_SID,
            "schedule.quiet_start": "00:00",
            "schedule.quiet_end": "00:00",
        },
    )
    phone = new_phone(channel="whatsapp")
    phone.onboard()  # Spanish, entrepreneurship, evening, every day
    lesson = load_catalog(settings.lessons_path).course("entrepreneurship").lessons[1]
    tick = utc_now() + timedelta(hours=1)
    with phone.sessions() as session:
        learner = phone.learner(session)
        learner.last_lesson_at = tick - timedelta(days=1)
        learner.next_lesson_at = tick - timedelta(minutes=1)
        learner_id = learner.id
        session.commit()

    # Other tests' learners share the database and may be due too: what
    # matters is this learner's rows, checked below.
    assert deliver_due_lessons(phone.sessions, phone.rasa, settings, tick)["triggered"] >= 1
    # The sender finds the window closed after all (the learner's last message
    # turned 24 h old meanwhile): Twilio refuses both rows, the window being closed.
    with phone.sessions() as session:
        rows = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.learner_id == learner_id, OutboxMessage.status == "pending"
            )
        ).all()
        assert [row.kind for row in rows] == ["lesson", "quiz"]
        for row in rows:
            failed_at = tick + timedelta(minutes=1)
            mark_failed(session, row, FailureReason.WINDOW_CLOSED, None, "window closed", failed_at)
        session.commit()

    with phone.sessions() as session:
        summary = send_window_templates(session, settings, tick + timedelta(minutes=2))
        session.commit()
    assert summary["window_template"] >= 1
    phone.work()
    with phone.sessions() as session:
        template = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.learner_id == learner_id, OutboxMessage.kind == "window_template"
            )
        ).one()
        assert (template.content_sid, template.content_variables) == (TEMPLATE_SID, {"1": "2"})
        assert phone.learner(session).lesson_waiting_since is not None

    phone.say("ok")  # the reply reopens the window and releases the lesson
    assert deliver_due_lessons(phone.sessions, phone.rasa, settings, utc_now())["triggered"] >= 1
    phone.work()

    shown = "\n".join(phone.received())
    assert lesson.title["es"] in shown  # the lesson that never arrived, not the next one
    with phone.sessions() as session:
        assert phone.learner(session).pending_lesson_key == lesson.key
