"""A lesson delivery keeps its outcomes (confirmed by the phone, first answers, right ones)
in the same transactions as the writes that change them; the coordinators' funnel
reads only these."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine, make_session_factory
from bot.learners.progress import start_lesson
from bot.learners.quiz import grade_answer
from bot.messaging.channels.local import LocalChannel
from bot.messaging.channels.twilio import status_report
from bot.messaging.outbox import write_reply
from bot.messaging.pacer import Pacer
from bot.messaging.replies import Reply
from bot.messaging.status import apply_status_callback
from bot.messaging.worker import run_sends_once
from bot.models import Learner, LessonDelivery, OutboxMessage
from bot.settings import Settings, load_settings
from lessons import Catalog, Lesson, load_catalog
from tests.builders import NOW, add_learner, new_sid
from tests.fakes import FakeTime


@pytest.fixture(scope="module")
def lesson() -> Lesson:
    catalog: Catalog = load_catalog(load_settings().lessons_path)
    return catalog.course("entrepreneurship").lessons[0]


def lesson_sent(session: Session, learner: Learner, lesson: Lesson) -> OutboxMessage:
    """The lesson started by the action, its message in the outbox (which links the two)."""
    start_lesson(session, learner, lesson, NOW)
    key = f"{new_sid()}:0"
    assert write_reply(session, key, learner.id, Reply("Lesson text", kind="lesson"), NOW)
    row = session.scalars(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()
    row.provider_sid = new_sid()
    row.status = "sent"
    session.commit()
    return row


def delivery(session: Session, learner: Learner) -> LessonDelivery:
    session.expire_all()
    return session.scalars(
        select(LessonDelivery).where(LessonDelivery.learner_id == learner.id)
    ).one()


def at(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("case", "callbacks", "confirmed_at"),
    [
        ("delivered", ["delivered"], at(1)),
        ("delivered, then read: the first confirmation", ["delivered", "read"], at(1)),
        ("read without delivered (WhatsApp)", ["read"], at(1)),
        ("sent only", ["sent"], None),
        ("failed", ["failed"], None),
        ("delivered, then undelivered", ["delivered", "undelivered"], None),
        ("out of order: read, then a late delivered", ["read", "delivered"], at(1)),
        ("a repeat", ["delivered", "delivered"], at(1)),
    ],
)
def test_status_callbacks_set_the_confirmation(
    db_session: Session, settings: Settings, lesson: Lesson, case, callbacks, confirmed_at
):
    learner = add_learner(db_session, settings)
    row = lesson_sent(db_session, learner, lesson)

    for minute, status in enumerate(callbacks, 1):
        apply_status_callback(db_session, status_report(row.provider_sid, status, None), at(minute))
        db_session.commit()

    assert delivery(db_session, learner).delivered_confirmed_at == confirmed_at, case


def test_replies_and_other_learners_lessons_are_left_alone(
    db_session: Session, settings: Settings, lesson: Lesson
):
    learner = add_learner(db_session, settings)
    other = add_learner(db_session, settings, number="+50769999999")
    lesson_sent(db_session, learner, lesson)
    other_row = lesson_sent(db_session, other, lesson)
    reply_key = new_sid()
    write_reply(db_session, reply_key, learner.id, Reply("¡Bien!"), NOW)
    reply = db_session.scalars(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == reply_key)
    ).one()
    reply.provider_sid = new_sid()
    db_session.commit()

    apply_status_callback(db_session, status_report(reply.provider_sid, "delivered", None), at(1))
    apply_status_callback(
        db_session, status_report(other_row.provider_sid, "delivered", None), at(2)
    )
    db_session.commit()

    assert delivery(db_session, learner).delivered_confirmed_at is None
    assert delivery(db_session, other).delivered_confirmed_at == at(2)


@pytest.fixture
def sessions(settings: Settings) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(settings.app.database_url)
    yield make_session_factory(engine)
    engine.dispose()


def test_the_local_channel_confirms_at_once(
    db_session: Session, settings: Settings, sessions, lesson: Lesson
):
    learner = add_learner(db_session, settings)
    start_lesson(db_session, learner, lesson, NOW)
    write_reply(db_session, "turn:0", learner.id, Reply("Lesson text", kind="lesson"), NOW)
    db_session.commit()
    clock = FakeTime()

    run_sends_once(sessions, LocalChannel(), settings, Pacer(10, clock.monotonic, clock.sleep), NOW)

    assert delivery(db_session, learner).delivered_confirmed_at == NOW


def test_only_first_answers_are_counted(db_session: Session, settings: Settings, lesson: Lesson):
    learner = add_learner(db_session, settings)
    lesson_sent(db_session, learner, lesson)
    first, second = lesson.questions[:2]
    wrong = next(n for n in range(1, len(first.options) + 1) if n != first.correct_number)

    grade_answer(db_session, learner, lesson, first, wrong, new_sid(), at(1), settings=settings)
    grade_answer(
        db_session,
        learner,
        lesson,
        first,
        first.correct_number,
        new_sid(),
        at(2),
        settings=settings,
    )
    grade_answer(
        db_session,
        learner,
        lesson,
        second,
        second.correct_number,
        new_sid(),
        at(3),
        settings=settings,
    )
    db_session.commit()

    found = delivery(db_session, learner)
    assert (found.questions_answered, found.answered_right) == (2, 1)


def test_a_failed_grading_transaction_leaves_the_counters_as_they_were(
    db_session: Session, settings: Settings, lesson: Lesson
):
    learner = add_learner(db_session, settings)
    lesson_sent(db_session, learner, lesson)
    question = lesson.questions[0]

    grade_answer(
        db_session,
        learner,
        lesson,
        question,
        question.correct_number,
        "SM1",
        at(1),
        settings=settings,
    )
    db_session.rollback()  # the turn failed after grading: Rasa down, say

    found = delivery(db_session, learner)
    assert (found.questions_answered, found.answered_right) == (0, 0)
