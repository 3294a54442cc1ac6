"""A learner's schedule: the only writer of ``next_lesson_at`` and the other schedule fields.

The fields: the preferences (``delivery_time``, ``delivery_days``,
``timezone``), a pause (``paused_until``), the next slot (``next_lesson_at``),
when the last new lesson went (``last_lesson_at``), a lesson held back for a
WhatsApp template's answer (``lesson_waiting_since``), the waiting quiz
question (``question_asked_at``) and the "still there?" pause (``nudged_at``).
Whoever changes one of them calls a function here, so the rules that follow
from a change (the next slot, at most one lesson a day, quiet hours) are
applied in one place. Times are local to the learner (``bot.learners.localtime``).

These set fields on a loaded Learner and never commit: the action or job
that loaded the learner owns the transaction. ``move_slot`` is the one
compare-and-set in SQL, for the due job, which holds no loaded learner.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.db import rowcount
from bot.learners.localtime import (
    DEFAULT_TIMEZONE,
    EVERY_DAY,
    ScheduleError,
    lesson_allowed,
    next_delivery_at,
)
from bot.models import Learner
from bot.settings import Settings
from bot.vocab import LearnerStatus


def schedule_next_lesson(learner: Learner, now: datetime, settings: Settings) -> datetime | None:
    """Set ``learner.next_lesson_at`` to their next slot, or None when none is due; return it.

    Nothing is scheduled for a learner who is not active (paused with no end,
    opted out, erased, still onboarding), has no time or no course, or was
    asked "still there?" after a long silence and has not written since
    (``nudged_at``). A pause with an end (``paused_until``) schedules the first
    slot after it.
    """
    if (
        learner.status != LearnerStatus.ACTIVE
        or not learner.delivery_time
        or not learner.course_key
        or learner.nudged_at is not None
    ):
        learner.next_lesson_at = None
        return None
    tz = learner.timezone or DEFAULT_TIMEZONE
    after = max(now, learner.paused_until) if learner.paused_until else now
    quiet = settings.schedule

    def slot_after(moment: datetime) -> datetime:
        return next_delivery_at(
            learner.delivery_time or "",
            learner.delivery_days or EVERY_DAY,
            tz,
            moment,
            quiet.quiet_start,
            quiet.quiet_end,
        )

    slot = slot_after(after)
    while not lesson_allowed(learner.last_lesson_at, slot, tz):
        slot = slot_after(slot)
    learner.next_lesson_at = slot
    return slot


def reschedule_or_unschedule(learner: Learner, now: datetime, settings: Settings) -> None:
    """``schedule_next_lesson``; a schedule that cannot be read leaves nothing due.

    The due job reports an unusable schedule when it meets one; here a bad
    stored value must not fail the learner's turn or a job's other learners.
    """
    try:
        schedule_next_lesson(learner, now, settings)
    except ScheduleError:
        learner.next_lesson_at = None


def unschedule(learner: Learner) -> None:
    """Nothing is due until something schedules the learner again (a course ended, say)."""
    learner.next_lesson_at = None


def change_preferences(
    learner: Learner,
    now: datetime,
    settings: Settings,
    *,
    delivery_time: str | None = None,
    delivery_days: str | None = None,
    timezone: str | None = None,
) -> datetime | None:
    """Change the time, days or zone the learner chose; the next lesson moves with them."""
    learner.delivery_time = delivery_time or learner.delivery_time
    learner.delivery_days = delivery_days or learner.delivery_days
    learner.timezone = timezone or learner.timezone
    return schedule_next_lesson(learner, now, settings)


def choose_time(learner: Learner, delivery_time: str) -> None:
    """Onboarding's answer: the time of day (scheduled once onboarding ends)."""
    learner.delivery_time = delivery_time


def choose_days(learner: Learner, delivery_days: str) -> None:
    """Onboarding's answer: the days of the week (scheduled once onboarding ends)."""
    learner.delivery_days = delivery_days


def guess_timezone(learner: Learner, timezone: str) -> None:
    """A new learner's zone as guessed from the number; they can change it (ZONE)."""
    learner.timezone = timezone


def pause(learner: Learner, until: datetime, now: datetime, settings: Settings) -> None:
    """No lessons before ``until``: the learner stays active and the pause ends by itself."""
    learner.paused_until = until
    schedule_next_lesson(learner, now, settings)


def end_pause(learner: Learner, now: datetime, settings: Settings) -> None:
    """The pause ends now (RESUME, START): lessons at the next slot."""
    learner.paused_until = None
    schedule_next_lesson(learner, now, settings)


def record_lesson_sent(learner: Learner, now: datetime, settings: Settings) -> datetime | None:
    """A new lesson went to the outbox now: count it for today and schedule the next one."""
    lesson_queued(learner, now)
    return schedule_next_lesson(learner, now, settings)


def lesson_queued(learner: Learner, now: datetime) -> None:
    """A new lesson went to the outbox now: it counts for today (at most one a day)."""
    learner.last_lesson_at = now
    learner.lesson_waiting_since = None


def hold_for_template(learner: Learner, now: datetime) -> None:
    """The WhatsApp window is closed and the template went: the lesson waits for the reply."""
    learner.lesson_waiting_since = now
    learner.next_lesson_at = None


def release_waiting_lesson(learner: Learner, now: datetime) -> bool:
    """The learner wrote after a window template: their waiting lesson is due now.

    Call for each inbound message (it reopens the WhatsApp window); True when a
    lesson was released. The next scheduler tick delivers it as free text.
    """
    if learner.lesson_waiting_since is None or learner.status != LearnerStatus.ACTIVE:
        return False
    learner.lesson_waiting_since = None
    learner.next_lesson_at = now
    return True


def question_asked(learner: Learner, now: datetime) -> None:
    """A quiz question went now; its one reminder comes if no answer does."""
    learner.question_asked_at = now


def question_handled(learner: Learner) -> None:
    """The waiting question needs no reminder any more (answered, reminded, or not worth it)."""
    learner.question_asked_at = None


def pause_for_silence(learner: Learner, now: datetime) -> None:
    """The "still there?" message went: no lessons until the learner writes."""
    learner.nudged_at = now
    learner.next_lesson_at = None


def resume_after_silence(learner: Learner, now: datetime, settings: Settings) -> bool:
    """The learner wrote after the "still there?" message: their lessons are scheduled again.

    Call for each inbound message; True when the schedule was resumed. The next
    lesson comes at their next slot (at most one a day still holds).
    """
    if learner.nudged_at is None:
        return False
    learner.nudged_at = None
    reschedule_or_unschedule(learner, now, settings)
    return True


def forget(learner: Learner) -> None:
    """The learner's data was erased: the defaults again (the zone may come from the number)."""
    learner.delivery_time = None
    learner.timezone = DEFAULT_TIMEZONE
    learner.next_lesson_at = None
    learner.paused_until = None
    learner.delivery_days = EVERY_DAY
    learner.last_lesson_at = None
    learner.lesson_waiting_since = None


def move_slot(
    session: Session, learner_id: int, read_slot: datetime, slot: datetime | None
) -> bool:
    """Move the learner's due slot unless someone moved it since it was read as ``read_slot``."""
    result = session.execute(
        update(Learner)
        .where(Learner.id == learner_id, Learner.next_lesson_at == read_slot)
        .values(next_lesson_at=slot)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1
