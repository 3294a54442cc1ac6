"""Spaced review: the only writer of ``ReviewItem`` rows.

A quiz question answered wrong comes back as a one-question review
``REVIEW_DAYS`` (2, then 7) days later, at the learner's own time of day in
their zone, until it is answered right:

- a wrong answer outside a review opens an item, due 2 days later (a question
  already waiting for its review keeps its date);
- right on a review: recovered, done;
- wrong on a review: the next review comes 7 days after that answer; after
  ``MAX_REVIEWS`` reviews all answered wrong (2, 7, 7 and 7 days), the item is
  dropped: the learner has been shown the right answer five times, and an NGO's
  learning designer would rather a person take it up than the bot ask again.

When a due review may go (``hold``): never in quiet hours, only at one review
a day, never while a lesson is due or its quiz question waits for an answer
(so a review never makes a second new lesson, nor interleaves with one: on a
lesson day it goes once that lesson's quiz is answered), and on WhatsApp only
inside the 24-hour window (a review is not worth a paid template). A review
held back for the day goes at the learner's time the next day.

Times are naive UTC, as stored; ``now`` comes from the caller. Functions take
a session and do not commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.db import rowcount
from bot.learners.localtime import (
    DEFAULT_TIMEZONE,
    EVERY_DAY,
    ScheduleError,
    is_quiet,
    next_delivery_at,
    quiet_ends_at,
    to_local,
    to_utc,
    whatsapp_window_open,
    zone,
)
from bot.models import Learner, ReviewItem
from bot.settings import Settings
from bot.vocab import ChannelName, LearnerStatus, ReviewState

# Days from a wrong answer to its review: the first review, then every later one.
REVIEW_DAYS = (2, 7)
MAX_REVIEWS = 4
# A review held back by a waiting quiz question looks again this much later.
RECHECK = timedelta(minutes=15)


@dataclass(frozen=True)
class ReviewAnswer:
    """A review question was answered: recovered, or when it comes back (None: dropped)."""

    correct: bool
    next_in_days: int | None


def days_before(step: int) -> int:
    """Days from the answer before review ``step`` (1-based) to that review."""
    return REVIEW_DAYS[min(step, len(REVIEW_DAYS)) - 1]


def review_at(learner: Learner, answered_at: datetime, days: int, settings: Settings) -> datetime:
    """The learner's time of day, in their zone, ``days`` local days after ``answered_at``.

    Any day of the week (a review is one short question, not a lesson); a time
    in the quiet hours moves to their end, as a lesson's does.
    """
    tz = learner.timezone or DEFAULT_TIMEZONE
    day = to_local(answered_at, tz).date() + timedelta(days=days)
    midnight = to_utc(datetime.combine(day, time(0), tzinfo=zone(tz)))
    return next_delivery_at(
        learner.delivery_time or settings.schedule.quiet_end,
        EVERY_DAY,
        tz,
        midnight - timedelta(microseconds=1),
        settings.schedule.quiet_start,
        settings.schedule.quiet_end,
    )


def item_for(
    session: Session, learner_id: int, lesson_key: str, question_key: str
) -> ReviewItem | None:
    return session.scalar(
        select(ReviewItem).where(
            ReviewItem.learner_id == learner_id,
            ReviewItem.lesson_key == lesson_key,
            ReviewItem.question_key == question_key,
        )
    )


def asked_step(session: Session, learner_id: int, lesson_key: str, question_key: str) -> int | None:
    """The review step this question went as and waits an answer for; None: not a review."""
    item = item_for(session, learner_id, lesson_key, question_key)
    return item.step if item is not None and item.state == ReviewState.ASKED else None


def answer_at(step: int, correct: bool) -> ReviewAnswer:
    """What an answer on review ``step`` leads to."""
    if correct or step >= MAX_REVIEWS:
        return ReviewAnswer(correct=correct, next_in_days=None)
    return ReviewAnswer(correct=False, next_in_days=days_before(step + 1))


def record_answer(
    session: Session,
    learner: Learner,
    lesson_key: str,
    question_key: str,
    correct: bool,
    now: datetime,
    settings: Settings,
) -> ReviewAnswer | None:
    """Follow a graded answer: a review answered (returned), or a wrong answer to review."""
    item = item_for(session, learner.id, lesson_key, question_key)
    if item is not None and item.state == ReviewState.ASKED:
        return _answered_on_review(item, learner, correct, now, settings)
    if correct:
        return None
    due_at = _due_after(learner, now, days_before(1), settings)
    if item is None:
        session.add(
            ReviewItem(
                learner_id=learner.id,
                lesson_key=lesson_key,
                question_key=question_key,
                step=1,
                state=ReviewState.DUE,
                due_at=due_at,
                created_at=now,
            )
        )
    elif item.state != ReviewState.DUE:
        # Recovered or dropped before, and wrong again (a repeated lesson): start over.
        item.step, item.state, item.due_at, item.asked_at = 1, ReviewState.DUE, due_at, None
    return None


def _answered_on_review(
    item: ReviewItem, learner: Learner, correct: bool, now: datetime, settings: Settings
) -> ReviewAnswer:
    answer = answer_at(item.step, correct)
    if correct:
        item.state = ReviewState.RECOVERED
    elif answer.next_in_days is None:
        item.state = ReviewState.DROPPED
    else:
        item.step += 1
        item.state = ReviewState.DUE
        item.due_at = _due_after(learner, now, answer.next_in_days, settings)
    return answer


def _due_after(learner: Learner, now: datetime, days: int, settings: Settings) -> datetime:
    try:
        return review_at(learner, now, days, settings)
    except ScheduleError:
        # An unusable stored preference: the plain date, so nothing is lost;
        # the job drops it if the schedule is still unusable then.
        return now + timedelta(days=days)


def due_items(session: Session, now: datetime, limit: int) -> list[ReviewItem]:
    """Items whose review is due, oldest first (ix_review_item_due)."""
    return list(
        session.scalars(
            select(ReviewItem)
            .where(ReviewItem.state == ReviewState.DUE, ReviewItem.due_at <= now)
            .order_by(ReviewItem.due_at, ReviewItem.id)
            .limit(limit)
        )
    )


def unanswered_items(session: Session, now: datetime, limit: int) -> list[ReviewItem]:
    """Reviews asked a day ago or more, whose question may have been displaced by a lesson."""
    return list(
        session.scalars(
            select(ReviewItem)
            .where(
                ReviewItem.state == ReviewState.ASKED,
                ReviewItem.asked_at <= now - timedelta(days=1),
            )
            .order_by(ReviewItem.asked_at, ReviewItem.id)
            .limit(limit)
        )
    )


def hold(
    session: Session, item: ReviewItem, learner: Learner, now: datetime, settings: Settings
) -> str | None:
    """Why a due review may not go now (and its new due_at set), or None: it goes now."""
    if learner.status in (LearnerStatus.OPTED_OUT, LearnerStatus.ERASED):
        item.state = ReviewState.DROPPED
        return "dropped"
    try:
        return _hold(session, item, learner, now, settings)
    except ScheduleError:
        item.state = ReviewState.DROPPED
        return "invalid_schedule"


def _hold(
    session: Session, item: ReviewItem, learner: Learner, now: datetime, settings: Settings
) -> str | None:
    tz = learner.timezone or DEFAULT_TIMEZONE
    quiet = settings.schedule
    if is_quiet(now, tz, quiet.quiet_start, quiet.quiet_end):
        item.due_at = quiet_ends_at(now, tz, quiet.quiet_start, quiet.quiet_end)
        return "skipped_quiet"
    inactive = (
        learner.status != LearnerStatus.ACTIVE
        or learner.nudged_at is not None
        or (learner.paused_until is not None and learner.paused_until > now)
    )
    if inactive:
        after = max(now, learner.paused_until or now)
        item.due_at = review_at(learner, after, 1, settings)
        return "not_active"
    if _asked_today(session, learner, now, tz):
        item.due_at = review_at(learner, now, 1, settings)
        return "one_a_day"
    if learner.channel == ChannelName.WHATSAPP and not whatsapp_window_open(
        learner.last_inbound_at, now
    ):
        item.due_at = review_at(learner, now, 1, settings)
        return "skipped_window"
    lesson_due = learner.next_lesson_at is not None and learner.next_lesson_at <= now
    if lesson_due or learner.pending_question_key is not None:
        later = now + RECHECK
        same_day = to_local(later, tz).date() == to_local(now, tz).date()
        if same_day and not is_quiet(later, tz, quiet.quiet_start, quiet.quiet_end):
            item.due_at = later
        else:
            item.due_at = review_at(learner, now, 1, settings)
        return "after_lesson"
    return None


def _asked_today(session: Session, learner: Learner, now: datetime, tz: str) -> bool:
    last = session.scalar(
        select(func.max(ReviewItem.asked_at)).where(ReviewItem.learner_id == learner.id)
    )
    return last is not None and to_local(last, tz).date() == to_local(now, tz).date()


def asked(item: ReviewItem, learner: Learner, now: datetime) -> None:
    """The review question went now: its answer goes through the quiz's usual path."""
    item.state, item.asked_at = ReviewState.ASKED, now
    learner.pending_lesson_key = item.lesson_key
    learner.pending_question_key = item.question_key


def unanswered(item: ReviewItem, learner: Learner, now: datetime, settings: Settings) -> bool:
    """An asked review whose question is no longer the one waiting goes again; True if so."""
    waiting = (learner.pending_lesson_key, learner.pending_question_key)
    if waiting == (item.lesson_key, item.question_key):
        return False
    item.state = ReviewState.DUE
    item.due_at = _due_after(learner, now, 1, settings)
    return True


def drop(item: ReviewItem) -> None:
    """The lesson or question is gone from the content: nothing left to review."""
    item.state = ReviewState.DROPPED


def forget(session: Session, learner: Learner) -> int:
    """Erase the learner's review items; return how many."""
    return rowcount(session.execute(delete(ReviewItem).where(ReviewItem.learner_id == learner.id)))
