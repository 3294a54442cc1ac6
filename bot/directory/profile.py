"""One learner as staff see them: no number, no message text; progress, quiz results, tags.

The page shows what staff need to help a learner (where they are in their
course, how their first answers went, whether they are paused or opted out,
when they last wrote) and nothing that would identify them: the number is
never decrypted here, and message texts stay in the inbox conversation,
which the page links to when there is one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bot.directory.search import tags_of
from bot.inbox.models import Conversation
from bot.learners.lifecycle import is_paused
from bot.learners.progress import Progress, delivered_keys, progress
from bot.models import Learner, QuizAttempt
from lessons.model import Catalog, Course


@dataclass(frozen=True)
class LessonLine:
    key: str
    title: str
    delivered: bool
    right: int  # first answers right
    answered: int  # questions answered (first answers)
    questions: int


@dataclass(frozen=True)
class Profile:
    learner: Learner
    paused: bool
    progress: Progress | None
    course_title: str | None
    lessons: list[LessonLine]
    tags: list[str]
    conversation_id: int | None  # the latest hand-off to staff, if any


def find(session: Session, public_id: str) -> Learner | None:
    return session.scalar(select(Learner).where(Learner.public_id == public_id))


def profile(
    session: Session, learner: Learner, catalog: Catalog, language: str, now: datetime
) -> Profile:
    """What the learner page shows; titles in ``language`` (the staff page's)."""
    course = _course(catalog, learner.course_key)
    lessons: list[LessonLine] = []
    if course is not None:
        delivered = delivered_keys(session, learner)
        scores = _first_answers(session, learner.id)
        for lesson in course.lessons:
            right, answered = scores.get(lesson.key, (0, 0))
            lessons.append(
                LessonLine(
                    key=lesson.key,
                    title=_in(lesson.title, language),
                    delivered=lesson.key in delivered,
                    right=right,
                    answered=answered,
                    questions=len(lesson.questions),
                )
            )
    conversation_id = session.scalar(
        select(Conversation.id)
        .where(Conversation.learner_id == learner.id)
        .order_by(Conversation.opened_at.desc(), Conversation.id.desc())
        .limit(1)
    )
    return Profile(
        learner=learner,
        paused=is_paused(learner, now),
        progress=progress(session, learner, catalog) if course is not None else None,
        course_title=_in(course.title, language) if course is not None else None,
        lessons=lessons,
        tags=tags_of(session, [learner.id]).get(learner.id, []),
        conversation_id=conversation_id,
    )


def _course(catalog: Catalog, key: str | None) -> Course | None:
    if key is None:
        return None
    try:
        return catalog.course(key)
    except KeyError:  # a course removed from the lesson files since
        return None


def _first_answers(session: Session, learner_id: int) -> dict[str, tuple[int, int]]:
    rows = session.execute(
        select(
            QuizAttempt.lesson_key,
            func.sum(case((QuizAttempt.correct, 1), else_=0)),
            func.count(),
        )
        .where(QuizAttempt.learner_id == learner_id, QuizAttempt.attempt_number == 1)
        .group_by(QuizAttempt.lesson_key)
    )
    return {key: (int(right or 0), int(count)) for key, right, count in rows}


def _in(text: Mapping[str, str], language: str) -> str:
    """A lesson text in the page's language, else Spanish (every text has it)."""
    return text.get(language) or text.get("es") or next(iter(text.values()), "")
