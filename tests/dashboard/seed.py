"""A data set whose statistics are known by construction.

100 learners, ``i`` = 0..99, all enrolled in entrepreneurship (course X):
- sign-up on 2025-06-(1 + i // 10) at 09:00 UTC (10 a day, June 1-10);
- language es for i < 60, en for 60-89, fr for 90-96, ht for 97-99;
- channel WhatsApp when i % 10 is 7, 8 or 9 (30), else SMS (70);
- last message: i % 5 == 0 two days before NOW (20, active in 7 and 30 days),
  else even i twenty days before (40 more active in 30 days), else 2025-07-01;
- 37 completed the course (i < 37); 6 opted out (i >= 94) on 2025-07-01;
- learners 80-99 also enrolled in digital_safety (20), completing nothing;
- tags: "site-colon" for i < 40, "site-david" for 40-42 (3 learners).
Lesson k (0-based; course X cut to its first 12 lessons, see ``seeded_catalog``)
went to learners i < 100 - 5k, on day created + k.
Its outbox row: failed with 63016 when i % 10 == 9 (WhatsApp), failed with 30003
when i % 10 == 6 and k == 0 (SMS), else read (WhatsApp) or delivered (SMS, 2 segments).
Quiz, first tries: lesson 0 question q1 right for i < 60 (60%), the others chose
option 3 (i 60-89, 30 learners) or 1 (i 90-99); q2 answered by i < 90, right for
i < 70. Lessons k >= 1: both questions answered by every learner who got the
lesson, right unless i % 4 == 3. Learners 60-69 tried q1 of lesson 0 a second time.
Plus 12 replies still pending (learners 0-11), written an hour before NOW.

Statuses and answers go through the app's own write paths (the status callback,
the grader), so the counters they keep for the funnel are tested with them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.learners import review
from bot.learners.quiz import grade_answer
from bot.messaging.channels.twilio import status_report
from bot.messaging.status import apply_status_callback
from bot.models import (
    Enrollment,
    InboundMessage,
    Learner,
    LessonDelivery,
    OutboxMessage,
    ReviewItem,
)
from bot.settings import Settings
from bot.staff.models import LearnerTag
from lessons import Catalog, Lesson, Question

NOW = datetime(2025, 8, 15, 12, 0)
COURSE_X = "entrepreneurship"
LESSONS_X = 12  # the figures are built on this many lessons of course X
SECRET_BODY = "my secret message text"
PROFILE_NAME = "Maria Example"


def seeded_catalog(shipped: Catalog) -> Catalog:
    """The shipped catalog with course X cut to its first ``LESSONS_X`` lessons.

    The data set's figures are worked out by hand for that many lessons; the cut
    keeps them true when lessons are added to the shipped course.
    """
    courses = tuple(
        replace(course, lessons=course.lessons[:LESSONS_X]) if course.key == COURSE_X else course
        for course in shipped.courses
    )
    return Catalog(courses)


def public_id(i: int) -> str:
    return f"Lseed{i:04d}"


def language(i: int) -> str:
    return "es" if i < 60 else "en" if i < 90 else "fr" if i < 97 else "ht"


def channel(i: int) -> str:
    return "whatsapp" if i % 10 >= 7 else "sms"


def last_inbound(i: int) -> datetime:
    if i % 5 == 0:
        return NOW - timedelta(days=2)
    return NOW - timedelta(days=20) if i % 2 == 0 else datetime(2025, 7, 1, 10)


def seed(session: Session, catalog: Catalog) -> None:
    lessons = catalog.course(COURSE_X).lessons
    for i in range(100):
        created = datetime(2025, 6, 1 + i // 10, 9)
        learner = Learner(
            public_id=public_id(i),
            phone_hash=f"hash{i}",
            phone_encrypted=f"encrypted-number-{i}",
            channel=channel(i),
            profile_name=PROFILE_NAME,
            language=language(i),
            status="opted_out" if i >= 94 else "active",
            course_key=COURSE_X,
            created_at=created,
            last_inbound_at=last_inbound(i),
            opted_out_at=datetime(2025, 7, 1, 15) if i >= 94 else None,
        )
        session.add(learner)
        session.flush()
        session.add(
            InboundMessage(
                message_sid=f"SMseed{i}",
                learner_id=learner.id,
                channel=learner.channel,
                body=SECRET_BODY,
                received_at=learner.last_inbound_at,
                status="done",
            )
        )
        session.add(
            Enrollment(
                learner_id=learner.id,
                course_key=COURSE_X,
                enrolled_at=created,
                completed_at=created + timedelta(days=15) if i < 37 else None,
            )
        )
        if i >= 80:
            session.add(
                Enrollment(
                    learner_id=learner.id,
                    course_key="digital_safety",
                    enrolled_at=created + timedelta(days=20),
                )
            )
        if i < 43:
            tag = "site-colon" if i < 40 else "site-david"
            session.add(LearnerTag(learner_id=learner.id, tag=tag, created_at=created))
        for k, lesson in enumerate(lessons):
            if i < 100 - 5 * k:
                _deliver(session, learner, i, k, lesson, created + timedelta(days=k, hours=1))
        if i < 12:
            session.add(
                OutboxMessage(
                    idempotency_key=f"pending-{i}",
                    learner_id=learner.id,
                    kind="reply",
                    body=SECRET_BODY,
                    status="pending",
                    created_at=NOW - timedelta(hours=1),
                )
            )
    session.commit()


def _deliver(
    session: Session, learner: Learner, i: int, k: int, lesson: Lesson, at: datetime
) -> None:
    status, error = ("read" if learner.channel == "whatsapp" else "delivered"), None
    if i % 10 == 9:
        status, error = "failed", 63016
    elif i % 10 == 6 and k == 0:
        status, error = "failed", 30003
    sms = learner.channel == "sms"
    outbox = OutboxMessage(
        idempotency_key=f"lesson-{i}-{k}",
        learner_id=learner.id,
        kind="lesson",
        body=SECRET_BODY,
        status="sent",
        provider_sid=f"SMout{i}x{k}",
        created_at=at,
        sent_at=at,
        status_updated_at=at,
        segments=2 if sms else 1,
        encoding="GSM-7",
    )
    session.add(outbox)
    session.flush()
    session.add(
        LessonDelivery(
            learner_id=learner.id,
            course_key=COURSE_X,
            lesson_key=lesson.key,
            delivered_at=at,
            outbox_id=outbox.id,
        )
    )
    session.flush()
    apply_status_callback(session, status_report(f"SMout{i}x{k}", status, error), at)
    for question in lesson.questions:
        chosen = _answer(i, k, question)
        if chosen is not None:
            _attempt(session, learner, lesson, question, chosen, 1, at)
    if k == 0 and 60 <= i < 70:
        if i < 67:  # seven of them get it right on their spaced review, three on a retake
            [item] = session.scalars(select(ReviewItem).filter_by(learner_id=learner.id))
            review.asked(item, learner, at + timedelta(hours=3))
        _attempt(session, learner, lesson, lesson.question("q1"), 2, 2, at + timedelta(hours=3))


def _answer(i: int, k: int, question: Question) -> int | None:
    """The option chosen on the first try (None: not answered)."""
    if k == 0 and question.key == "q1":  # ent-test-idea q1: 3 options, option 2 right
        return 2 if i < 60 else 3 if i < 90 else 1
    if k == 0:  # ent-test-idea q2: 3 options, option 2 right
        return None if i >= 90 else 2 if i < 70 else 1
    wrong = next(n for n in range(1, len(question.options) + 1) if n != question.correct_number)
    return question.correct_number if i % 4 != 3 else wrong


def _attempt(
    session: Session,
    learner: Learner,
    lesson: Lesson,
    question: Question,
    chosen: int,
    number: int,
    at: datetime,
) -> None:
    sid = f"SMans{learner.id}-{lesson.key}-{question.key}-{number}"
    grade = grade_answer(
        session,
        learner,
        lesson,
        question,
        chosen,
        sid,
        at + timedelta(hours=2 + number),
        settings=Settings(),
    )
    assert not grade.replayed
