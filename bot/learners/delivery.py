"""Which lesson a learner gets next: decided here, rendered by the action.

In this order:

1. a scheduled turn whose slot already started a lesson (a crash lost its
   outbox rows before the slot moved on) sends that lesson again;
2. a lesson the phone never got (``bot.learners.catchup``) is sent again;
3. otherwise the next lesson of the course, or the end of the course. A
   learner who asks for more after the end starts the next course; a
   scheduled turn announces the end only once.

A lesson the learner asked for counts as today's lesson and moves their
next slot on; a scheduled turn leaves the slot to the due job, which moves
it once the messages are in the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.learners import catchup, progress, schedule
from bot.learners.progress import CourseFinished, LessonStarted
from bot.models import Learner
from bot.settings import Settings
from lessons.model import Catalog, Course

__all__ = ["CourseEnded", "LessonStarted", "next_lesson"]


@dataclass(frozen=True)
class CourseEnded:
    """No lesson is left in the course; ``announce``: tell the learner (and give the code)."""

    course: Course
    next_course: Course | None
    code: str | None
    announce: bool


def next_lesson(
    session: Session,
    learner: Learner,
    catalog: Catalog,
    now: datetime,
    settings: Settings,
    *,
    scheduled: bool,
) -> LessonStarted | CourseEnded:
    """Start the learner's next lesson (recorded as delivered) and say which; do not commit.

    ``scheduled``: the due job's turn (``EXTERNAL_lesson_due``), rather than
    the learner asking (NEXT, the end of onboarding).
    """
    if scheduled:
        started = progress.lesson_started_in_slot(session, learner, catalog)
        if started is not None:
            question = progress.start_lesson(session, learner, started, now)
            return LessonStarted(started, question)
    missed = catchup.missed_lesson(session, learner, catalog)
    if missed is not None:
        outcome = LessonStarted(missed, catchup.resend_lesson(session, learner, missed, now))
    else:
        found = progress.deliver_next_lesson(
            session, learner, catalog, now, may_switch=not scheduled
        )
        if isinstance(found, CourseFinished):
            # A scheduled turn announces the end once; nothing is due after it.
            announce = not scheduled or found.first_time
            return CourseEnded(found.course, found.next_course, found.code, announce)
        outcome = found
    if not scheduled:
        schedule.record_lesson_sent(learner, now, settings)
    return outcome
