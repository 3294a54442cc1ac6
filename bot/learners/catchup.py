"""Catch-up: a lesson the phone never got is sent again, once per slot, instead of the next.

A lesson is recorded as delivered (``LessonDelivery``) when a turn starts it,
and linked to the outbox row that carries it. When that row, or the row of
its quiz from the same turn, failed for good (the phone was off, out of
credit, the WhatsApp window closed: status failed or undelivered), the lesson
does not count as done: the learner's next lesson, scheduled or asked for, is
that one again. So a learner who was unreachable for a week comes back to the
lesson they missed, not to a pile of them; and since the due job sends at
most one lesson a day, an unreachable learner gets one attempt a day (and,
after ``inactive_days`` of silence, the "still there?" pause of
bot.messaging.reminders).

Service functions: they take a session and do not commit.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Learner, LessonDelivery, OutboxMessage
from bot.vocab import LESSON_KINDS, NOT_RECEIVED
from lessons.model import Catalog, Lesson, Question


def turn_key(idempotency_key: str) -> str:
    """The turn an outbox row belongs to: its key without the reply's index.

    A turn's rows are ``{turn}:{index}`` (``{MessageSid}:{i}`` for a reply,
    ``lesson:{learner}:{slot}:{i}`` for a scheduled lesson).
    """
    return idempotency_key.rsplit(":", 1)[0]


def missed_delivery(session: Session, learner: Learner) -> LessonDelivery | None:
    """The learner's latest lesson in their course, if its turn's lesson or quiz row failed."""
    latest = session.scalar(
        select(LessonDelivery)
        .where(
            LessonDelivery.learner_id == learner.id,
            LessonDelivery.course_key == learner.course_key,
        )
        .order_by(LessonDelivery.delivered_at.desc(), LessonDelivery.id.desc())
        .limit(1)
    )
    if latest is None or latest.outbox_id is None:
        return None  # not sent yet (or a crash lost the turn: see progress.lesson_started_in_slot)
    carrier = session.get(OutboxMessage, latest.outbox_id)
    if carrier is None:
        return None
    failed = session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.learner_id == learner.id,
            OutboxMessage.idempotency_key.startswith(
                turn_key(carrier.idempotency_key) + ":", autoescape=True
            ),
            OutboxMessage.kind.in_(LESSON_KINDS),
            OutboxMessage.status.in_(NOT_RECEIVED),
        )
        .limit(1)
    )
    return latest if failed is not None else None


def missed_lesson(session: Session, learner: Learner, catalog: Catalog) -> Lesson | None:
    delivery = missed_delivery(session, learner)
    if delivery is None:
        return None
    try:
        return catalog.lesson(delivery.lesson_key)
    except KeyError:
        return None  # the lesson file was removed since: the learner moves on


def lesson_number_to_come(session: Session, learner: Learner) -> int:
    """The number, in the learner's course, of the lesson their next one will be.

    The next one, or the latest again when the phone never got it: what a
    WhatsApp template promises ("your lesson 4 is ready").
    """
    delivered = session.scalar(
        select(func.count(LessonDelivery.id)).where(
            LessonDelivery.learner_id == learner.id,
            LessonDelivery.course_key == learner.course_key,
        )
    )
    missed = missed_delivery(session, learner) is not None
    return (delivered or 0) + (0 if missed else 1)


def resend_lesson(session: Session, learner: Learner, lesson: Lesson, now: datetime) -> Question:
    """Start the missed lesson again; it counts from now, carried by this turn's row.

    Unlinking the failed row lets the outbox link the new one (and the
    statistics follow it); the new time makes a crashed re-send recognisable
    to ``progress.lesson_started_in_slot``, which sends the same lesson again.
    """
    delivery = session.scalar(
        select(LessonDelivery).where(
            LessonDelivery.learner_id == learner.id, LessonDelivery.lesson_key == lesson.key
        )
    )
    if delivery is not None:
        delivery.outbox_id = None
        delivery.delivered_at = now
    learner.pending_lesson_key = lesson.key
    learner.pending_question_key = lesson.questions[0].key
    session.flush()
    return lesson.questions[0]
