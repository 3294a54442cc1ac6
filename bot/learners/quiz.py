"""Quiz answers: the question waiting, a graded answer, and what comes after it.

Graded once per inbound message (``QuizAttempt`` is unique on it): a replay of
the same message after a crash finds its grade and gets the same reply.
Service functions take a session and ``now`` and do not commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.learners import progress, review
from bot.learners.completion import completion_code
from bot.models import Learner, LessonDelivery, QuizAttempt
from bot.settings import Settings
from lessons.model import Catalog, Course, Lesson, Question


@dataclass(frozen=True)
class Grade:
    lesson: Lesson
    question: Question
    chosen: int
    correct: bool
    next_question: Question | None  # None: that was the lesson's last question (or a review)
    replayed: bool = False  # the same inbound message was graded before
    # Set when the question came as a spaced review (bot.learners.review).
    review: review.ReviewAnswer | None = None


def pending_question(learner: Learner, catalog: Catalog) -> tuple[Lesson, Question] | None:
    if not (learner.pending_lesson_key and learner.pending_question_key):
        return None
    try:
        lesson = catalog.lesson(learner.pending_lesson_key)
        return lesson, lesson.question(learner.pending_question_key)
    except KeyError:
        # The lesson file changed since: the learner simply gets the next lesson.
        return None


def question_after(lesson: Lesson, question: Question) -> Question | None:
    keys = [q.key for q in lesson.questions]
    index = keys.index(question.key) + 1
    return lesson.questions[index] if index < len(keys) else None


def previous_grade(session: Session, catalog: Catalog, message_sid: str) -> Grade | None:
    """The grade already given for this inbound message, if it was graded and still can be.

    None also when the lesson or question has left the content since: ask
    ``was_graded`` before grading that message again.
    """
    attempt = session.scalar(
        select(QuizAttempt).where(QuizAttempt.inbound_message_sid == message_sid)
    )
    if attempt is None:
        return None
    try:
        lesson = catalog.lesson(attempt.lesson_key)
        question = lesson.question(attempt.question_key)
    except KeyError:
        return None
    return Grade(
        lesson,
        question,
        attempt.chosen_option,
        attempt.correct,
        None if attempt.review_step else question_after(lesson, question),
        replayed=True,
        review=review.answer_at(attempt.review_step, attempt.correct)
        if attempt.review_step
        else None,
    )


def was_graded(session: Session, message_sid: str) -> bool:
    """True when this inbound message was graded before (its question may be gone since)."""
    found = session.scalar(
        select(QuizAttempt.id).where(QuizAttempt.inbound_message_sid == message_sid)
    )
    return found is not None


def grade_answer(
    session: Session,
    learner: Learner,
    lesson: Lesson,
    question: Question,
    chosen: int,
    message_sid: str,
    now: datetime,
    *,
    settings: Settings,
) -> Grade:
    """Grade a new answer and move on to the next question; a wrong one comes back for review.

    Call ``previous_grade`` first: a message that was graded before must get
    the same reply, not a second attempt. A review question (``review.asked_step``)
    has no next question: the lesson it came from is over.
    """
    review_step = review.asked_step(session, learner.id, lesson.key, question.key)
    tries = session.scalar(
        select(func.count(QuizAttempt.id)).where(
            QuizAttempt.learner_id == learner.id,
            QuizAttempt.lesson_key == lesson.key,
            QuizAttempt.question_key == question.key,
        )
    )
    correct = chosen == question.correct_number
    attempt = QuizAttempt(
        learner_id=learner.id,
        lesson_key=lesson.key,
        question_key=question.key,
        chosen_option=chosen,
        correct=correct,
        attempt_number=(tries or 0) + 1,
        inbound_message_sid=message_sid,
        answered_at=now,
        review_step=review_step,
    )
    # Unique on the message: should two turns race on one message, the second
    # flush fails, its turn is retried, and `previous_grade` answers it.
    session.add(attempt)
    following = None if review_step else question_after(lesson, question)
    learner.pending_question_key = following.key if following else None
    if following is None:
        learner.pending_lesson_key = None
    session.flush()
    if attempt.attempt_number == 1:
        _count_first_answer(session, learner, lesson, correct)
    answered = review.record_answer(
        session, learner, lesson.key, question.key, correct, now, settings
    )
    return Grade(lesson, question, chosen, correct, following, review=answered)


def _count_first_answer(session: Session, learner: Learner, lesson: Lesson, correct: bool) -> None:
    """Add a first answer to the lesson's counters (the coordinators' funnel reads them)."""
    session.execute(
        update(LessonDelivery)
        .where(LessonDelivery.learner_id == learner.id, LessonDelivery.lesson_key == lesson.key)
        .values(
            questions_answered=LessonDelivery.questions_answered + 1,
            answered_right=LessonDelivery.answered_right + (1 if correct else 0),
        )
    )


def lesson_score(session: Session, learner: Learner, lesson: Lesson) -> tuple[int, int]:
    """(right, questions) counting the latest answer to each question of the lesson."""
    right = 0
    for question in lesson.questions:
        latest = session.scalar(
            select(QuizAttempt.correct)
            .where(
                QuizAttempt.learner_id == learner.id,
                QuizAttempt.lesson_key == lesson.key,
                QuizAttempt.question_key == question.key,
            )
            .order_by(QuizAttempt.id.desc())
            .limit(1)
        )
        right += bool(latest)
    return right, len(lesson.questions)


@dataclass(frozen=True)
class NextQuestion:
    """The lesson has another question: it comes now."""

    question: Question


@dataclass(frozen=True)
class CourseDone:
    """That was the course's last answer: it is finished (``code``: its completion code)."""

    course: Course
    next_course: Course | None
    code: str | None


@dataclass(frozen=True)
class LessonDone:
    """That was the lesson's last answer; the next lesson comes at the learner's time."""

    right: int
    total: int


@dataclass(frozen=True)
class ReviewDone:
    """That was a review question: nothing follows but, if wrong, when it comes back."""

    next_in_days: int | None


def after_answer(
    session: Session, learner: Learner, catalog: Catalog, grade: Grade, now: datetime
) -> NextQuestion | CourseDone | LessonDone | ReviewDone:
    """What follows a graded answer: the next question, the end of the course, or of the lesson."""
    if grade.review is not None:
        return ReviewDone(grade.review.next_in_days)
    if grade.next_question is not None:
        return NextQuestion(grade.next_question)
    if progress.course_finished(session, learner, catalog, now):
        course = catalog.course(learner.course_key or grade.lesson.course_key)
        following = progress.next_course(session, learner, catalog)
        return CourseDone(course, following, completion_code(session, learner.id, course.key))
    return LessonDone(*lesson_score(session, learner, grade.lesson))
