"""A learner's progress through a course: enrol, deliver lessons, grade answers.

Service functions: they take a session and ``now`` and never commit; the
action that calls them owns the transaction. Progress is stored against the
stable lesson and question keys (see lessons/FORMAT.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db import rowcount
from bot.learners import schedule
from bot.learners.completion import assign_code
from bot.models import Enrollment, Learner, LessonDelivery, QuizAttempt
from lessons.model import Catalog, Course, Lesson, Question

# The order in which courses are offered; a course not listed comes after.
COURSE_ORDER = ("entrepreneurship", "digital_safety")


@dataclass(frozen=True)
class LessonStarted:
    lesson: Lesson
    question: Question
    new_course: Course | None = None  # set when this lesson opened another course


@dataclass(frozen=True)
class CourseFinished:
    course: Course
    next_course: Course | None  # the course to offer, if any is left
    first_time: bool = True  # False once the end of the course was announced
    code: str | None = None  # the completion code staff can check (bot.learners.completion)


@dataclass(frozen=True)
class Progress:
    course: Course
    lessons_done: int
    lessons_total: int
    right_answers: int
    answered: int


def ordered_courses(catalog: Catalog) -> list[Course]:
    rank = {key: index for index, key in enumerate(COURSE_ORDER)}
    return sorted(catalog.courses, key=lambda course: rank.get(course.key, len(rank)))


def delivered_keys(session: Session, learner: Learner) -> set[str]:
    rows = session.scalars(
        select(LessonDelivery.lesson_key).where(LessonDelivery.learner_id == learner.id)
    )
    return set(rows)


def choose_course(learner: Learner, course_key: str) -> None:
    """Onboarding's answer: the course to start (enrolled once onboarding ends)."""
    learner.course_key = course_key


def enrol(session: Session, learner: Learner, course_key: str, now: datetime) -> Enrollment:
    """Enrol the learner in a course (once) and make it their current course."""
    learner.course_key = course_key
    enrollment = session.scalar(
        select(Enrollment).where(
            Enrollment.learner_id == learner.id, Enrollment.course_key == course_key
        )
    )
    if enrollment is None:
        enrollment = Enrollment(learner_id=learner.id, course_key=course_key, enrolled_at=now)
        session.add(enrollment)
        session.flush()
    return enrollment


def start_lesson(session: Session, learner: Learner, lesson: Lesson, now: datetime) -> Question:
    """Record the lesson as delivered (the first time only); its first question waits."""
    exists = session.scalar(
        select(LessonDelivery.id).where(
            LessonDelivery.learner_id == learner.id, LessonDelivery.lesson_key == lesson.key
        )
    )
    if exists is None:
        session.add(
            LessonDelivery(
                learner_id=learner.id,
                course_key=lesson.course_key,
                lesson_key=lesson.key,
                delivered_at=now,
            )
        )
    learner.pending_lesson_key = lesson.key
    learner.pending_question_key = lesson.questions[0].key
    session.flush()
    return lesson.questions[0]


def deliver_next_lesson(
    session: Session, learner: Learner, catalog: Catalog, now: datetime, *, may_switch: bool
) -> LessonStarted | CourseFinished:
    """Start the learner's next lesson; at the end of a course, finish it.

    A finished course is announced once (its enrollment gets ``completed_at``);
    after that, with ``may_switch`` (the learner asked for more), the next
    course that still has lessons is started.
    """
    assert learner.course_key is not None, "the learner has no course yet"
    course = catalog.course(learner.course_key)
    done = delivered_keys(session, learner)
    lesson = course.next_lesson(done)
    if lesson is not None:
        return LessonStarted(lesson, start_lesson(session, learner, lesson, now))

    enrollment = enrol(session, learner, course.key, now)
    other = next(
        (c for c in ordered_courses(catalog) if c.key != course.key and c.next_lesson(done)),
        None,
    )
    first_time = enrollment.completed_at is None
    if first_time or not may_switch or other is None:
        finish_course(session, learner, enrollment, now)
        return CourseFinished(course, other, first_time, enrollment.verification_code)
    enrol(session, learner, other.key, now)
    lesson = other.next_lesson(done)
    assert lesson is not None
    return LessonStarted(lesson, start_lesson(session, learner, lesson, now), new_course=other)


def finish_course(
    session: Session, learner: Learner, enrollment: Enrollment, now: datetime
) -> None:
    if enrollment.completed_at is None:
        enrollment.completed_at = now
    assign_code(session, enrollment)
    learner.pending_lesson_key = None
    learner.pending_question_key = None
    schedule.unschedule(learner)  # nothing is due until the learner picks a course
    session.flush()


def course_finished(session: Session, learner: Learner, catalog: Catalog, now: datetime) -> bool:
    """True when every lesson of the current course was delivered (marks it completed)."""
    if learner.course_key is None:
        return False
    course = catalog.course(learner.course_key)
    if course.next_lesson(delivered_keys(session, learner)) is not None:
        return False
    finish_course(session, learner, enrol(session, learner, course.key, now), now)
    return True


def next_course(session: Session, learner: Learner, catalog: Catalog) -> Course | None:
    done = delivered_keys(session, learner)
    return next(
        (
            c
            for c in ordered_courses(catalog)
            if c.key != learner.course_key and c.next_lesson(done)
        ),
        None,
    )


def last_lesson(session: Session, learner: Learner, catalog: Catalog) -> Lesson | None:
    """The lesson to repeat: the one waiting for answers, else the last delivered."""
    key = learner.pending_lesson_key or session.scalar(
        select(LessonDelivery.lesson_key)
        .where(LessonDelivery.learner_id == learner.id)
        .order_by(LessonDelivery.delivered_at.desc(), LessonDelivery.id.desc())
        .limit(1)
    )
    if key is None:
        return None
    try:
        return catalog.lesson(key)
    except KeyError:
        return None


def lesson_started_in_slot(session: Session, learner: Learner, catalog: Catalog) -> Lesson | None:
    """The lesson a scheduled turn already started for the learner's current slot.

    The scheduler moves ``next_lesson_at`` on only once the turn's messages are
    in the outbox. A lesson delivered at or after the slot that is still due
    was started by a turn whose messages were lost (a crash between Rasa and
    the outbox): the retried turn must send that lesson again, not the next.
    """
    if learner.next_lesson_at is None:
        return None
    latest = session.execute(
        select(LessonDelivery.lesson_key, LessonDelivery.delivered_at)
        .where(LessonDelivery.learner_id == learner.id)
        .order_by(LessonDelivery.delivered_at.desc(), LessonDelivery.id.desc())
        .limit(1)
    ).first()
    if latest is None or latest.delivered_at < learner.next_lesson_at:
        return None
    try:
        return catalog.lesson(latest.lesson_key)
    except KeyError:
        return None


def progress(session: Session, learner: Learner, catalog: Catalog) -> Progress | None:
    """Lessons done (every question answered) and first answers right, in the current course."""
    if learner.course_key is None:
        return None
    course = catalog.course(learner.course_key)
    course_keys = {lesson.key for lesson in course.lessons}
    delivered = delivered_keys(session, learner) & course_keys
    attempts = session.execute(
        select(QuizAttempt.lesson_key, QuizAttempt.question_key, QuizAttempt.correct).where(
            QuizAttempt.learner_id == learner.id,
            QuizAttempt.attempt_number == 1,
            QuizAttempt.lesson_key.in_(course_keys),
        )
    ).all()
    answered = {(row.lesson_key, row.question_key) for row in attempts}
    done = sum(
        1
        for lesson in course.lessons
        if lesson.key in delivered
        and all((lesson.key, q.key) in answered for q in lesson.questions)
    )
    return Progress(
        course=course,
        lessons_done=done,
        lessons_total=len(course.lessons),
        right_answers=sum(1 for row in attempts if row.correct),
        answered=len(attempts),
    )


@dataclass(frozen=True)
class Forgotten:
    quiz_attempts: int
    lesson_deliveries: int
    enrollments: int


def forget(session: Session, learner: Learner) -> Forgotten:
    """Delete the learner's progress (an erasure): answers, lessons, enrolments, current course."""
    owned = {"learner_id": learner.id}
    attempts = rowcount(session.execute(delete(QuizAttempt).filter_by(**owned)))
    deliveries = rowcount(session.execute(delete(LessonDelivery).filter_by(**owned)))
    enrollments = rowcount(session.execute(delete(Enrollment).filter_by(**owned)))
    learner.course_key = None
    learner.pending_lesson_key = None
    learner.pending_question_key = None
    return Forgotten(attempts, deliveries, enrollments)
