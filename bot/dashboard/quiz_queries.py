"""SQL aggregates for quiz item analysis: one pass over the first answers.

The answers are counted per (question, option chosen, right or not); window
functions over those few rows give each question's totals and its most chosen
wrong option, so the big table is read once. Spaced review adds, per
question, the learners who got it right on a review (``recovered_on_review``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.dashboard.filters import Filters
from bot.dashboard.queries import in_period, matching_learners
from bot.models import QuizAttempt, ReviewItem
from bot.vocab import ReviewState


@dataclass(frozen=True)
class QuestionResult:
    answered: int  # first answers, one per learner
    right: int
    wrong_option: int | None  # the wrong option most chosen; None if nobody was wrong
    wrong_times: int


def question_results(
    session: Session, filters: Filters, lessons: Sequence[str]
) -> dict[tuple[str, str], QuestionResult]:
    """{(lesson, question): first-try results} for the questions of ``lessons``."""
    learners = matching_learners(filters, by_course=False)
    choices = (
        select(
            QuizAttempt.lesson_key,
            QuizAttempt.question_key,
            QuizAttempt.chosen_option,
            QuizAttempt.correct,
            func.count(QuizAttempt.id).label("times"),
        )
        .where(
            QuizAttempt.attempt_number == 1,
            QuizAttempt.lesson_key.in_(lessons),
            *in_period(QuizAttempt.answered_at, filters),
            *([QuizAttempt.learner_id.in_(learners)] if learners is not None else []),
        )
        .group_by(
            QuizAttempt.lesson_key,
            QuizAttempt.question_key,
            QuizAttempt.chosen_option,
            QuizAttempt.correct,
        )
        .subquery()
    )
    question = (choices.c.lesson_key, choices.c.question_key)
    ranked = select(
        *question,
        choices.c.chosen_option,
        choices.c.correct,
        choices.c.times,
        func.sum(choices.c.times).over(partition_by=question).label("answered"),
        func.sum(case((choices.c.correct, choices.c.times), else_=0))
        .over(partition_by=question)
        .label("right"),
        # Wrong options first (false sorts before true), the most chosen first among them.
        func.row_number()
        .over(
            partition_by=question,
            order_by=(choices.c.correct, choices.c.times.desc(), choices.c.chosen_option),
        )
        .label("rank"),
    ).subquery()
    query = select(
        ranked.c.lesson_key,
        ranked.c.question_key,
        ranked.c.answered,
        ranked.c.right,
        case((ranked.c.correct, None), else_=ranked.c.chosen_option),
        case((ranked.c.correct, 0), else_=ranked.c.times),
    ).where(ranked.c.rank == 1)
    return {
        (lesson, key): QuestionResult(int(answered), int(right), option, int(times))
        for lesson, key, answered, right, option, times in session.execute(query)
    }


def recovered_on_review(
    session: Session, filters: Filters, lessons: Sequence[str]
) -> dict[tuple[str, str], int]:
    """{(lesson, question): learners who answered it right on a review}.

    Counted by when the review began (the wrong answer), so that it sits beside
    the first answers of the same period.
    """
    learners = matching_learners(filters, by_course=False)
    query = (
        select(ReviewItem.lesson_key, ReviewItem.question_key, func.count(ReviewItem.id))
        .where(
            ReviewItem.state == ReviewState.RECOVERED,
            ReviewItem.lesson_key.in_(lessons),
            *in_period(ReviewItem.created_at, filters),
            *([ReviewItem.learner_id.in_(learners)] if learners is not None else []),
        )
        .group_by(ReviewItem.lesson_key, ReviewItem.question_key)
    )
    return {(lesson, key): int(count) for lesson, key, count in session.execute(query)}
