"""Spaced review: when a question answered wrong comes back, and when a due review may go.

Tables of (case, ..., expected), ``now`` injected. All moments are naive UTC, as
stored. 2025-03-03 is a Monday; Panama is UTC-5 all year; New York moves to
daylight time on 2025-03-09.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.learners import review
from bot.models import Learner, ReviewItem
from bot.settings import Settings
from bot.vocab import LearnerStatus, ReviewState
from tests.builders import add_learner

PA = "America/Panama"
NYC = "America/New_York"


def utc(text: str) -> datetime:
    """A naive UTC moment; "03-04 00:00" is in 2025."""
    return datetime.fromisoformat("2025-" + text)


def learner_at(tz: str, clock: str = "19:00") -> Learner:
    return Learner(timezone=tz, delivery_time=clock, delivery_days="1111111")


# case, time zone, learner's time, answered (UTC), days, expected (UTC)
REVIEW_AT = [
    ("Panama 19:00, answered Monday 10:00", PA, "19:00", "03-03 15:00", 2, "03-06 00:00"),
    ("answered late Monday local (Tuesday UTC)", PA, "19:00", "03-04 03:00", 2, "03-06 00:00"),
    ("the 7-day review", PA, "19:00", "03-03 15:00", 7, "03-11 00:00"),
    ("a morning learner", PA, "08:00", "03-03 14:00", 2, "03-05 13:00"),
    ("a time in the quiet hours moves to their end", PA, "22:30", "03-03 15:00", 2, "03-05 12:00"),
    ("New York, both days in standard time", NYC, "19:00", "03-03 15:00", 2, "03-06 00:00"),
    ("New York across spring forward: 19:00 EDT", NYC, "19:00", "03-07 15:00", 2, "03-09 23:00"),
    ("New York 7 days across spring forward", NYC, "19:00", "03-03 15:00", 7, "03-10 23:00"),
    ("weekends too: Friday + 2 is Sunday", PA, "19:00", "03-07 15:00", 2, "03-10 00:00"),
]


@pytest.mark.parametrize(
    ("case", "tz", "clock", "answered", "days", "expected"),
    REVIEW_AT,
    ids=[r[0] for r in REVIEW_AT],
)
def test_a_review_comes_at_the_learners_time_days_later(
    settings: Settings, case: str, tz: str, clock: str, answered: str, days: int, expected: str
) -> None:
    assert review.review_at(learner_at(tz, clock), utc(answered), days, settings) == utc(expected)


# case, review step answered, right?, (state, step, days until the next review)
ANSWERS = [
    ("right on the first review: recovered", 1, True, (ReviewState.RECOVERED, 1, None)),
    ("wrong on the first review: again in 7 days", 1, False, (ReviewState.DUE, 2, 7)),
    ("wrong on the 7-day review: again in 7 days", 2, False, (ReviewState.DUE, 3, 7)),
    ("right on the third review", 3, True, (ReviewState.RECOVERED, 3, None)),
    ("wrong on the fourth and last: dropped", 4, False, (ReviewState.DROPPED, 4, None)),
]


@pytest.mark.parametrize(
    ("case", "step", "correct", "expected"), ANSWERS, ids=[r[0] for r in ANSWERS]
)
def test_an_answer_on_review_moves_the_item_on(
    db_session: Session,
    settings: Settings,
    case: str,
    step: int,
    correct: bool,
    expected: tuple[ReviewState, int, int | None],
) -> None:
    learner = add_learner(db_session, settings)
    learner.delivery_time = "19:00"
    answered = utc("03-10 15:00")
    item = add_item(db_session, learner, ReviewState.ASKED, utc("03-09 00:00"), step=step)

    outcome = review.record_answer(db_session, learner, "lesson", "q1", correct, answered, settings)

    state, new_step, days = expected
    assert outcome == review.ReviewAnswer(correct=correct, next_in_days=days)
    assert (item.state, item.step) == (state, new_step)
    if days is not None:  # from that answer, at 19:00 Panama
        assert item.due_at == utc(f"03-{10 + days} 00:00") + timedelta(days=1)


def test_a_first_wrong_answer_opens_a_review_two_days_later(
    db_session: Session, settings: Settings
) -> None:
    learner = add_learner(db_session, settings)
    learner.delivery_time = "19:00"

    review.record_answer(db_session, learner, "lesson", "q1", False, utc("03-03 15:00"), settings)
    review.record_answer(db_session, learner, "lesson", "q2", True, utc("03-03 15:01"), settings)

    [item] = db_session.scalars(select(ReviewItem))
    assert (item.question_key, item.state, item.step, item.due_at) == (
        "q1",
        ReviewState.DUE,
        1,
        utc("03-06 00:00"),
    )


def add_item(
    session: Session,
    learner: Learner,
    state: ReviewState,
    due_at: datetime,
    step: int = 1,
    question_key: str = "q1",
) -> ReviewItem:
    item = ReviewItem(
        learner_id=learner.id,
        lesson_key="lesson",
        question_key=question_key,
        step=step,
        state=state,
        due_at=due_at,
        asked_at=due_at if state == ReviewState.ASKED else None,
        created_at=due_at - timedelta(days=2),
    )
    session.add(item)
    session.flush()
    return item


DUE = utc("03-06 00:00")  # Wednesday 19:00 in Panama

# case, now, learner changes, an earlier review asked at, expected (reason, new due_at)
HOLDS = [
    ("due and free: it goes", DUE, {}, None, (None, DUE)),
    (
        "quiet hours (Panama 21:00-07:00): moved to their end",
        utc("03-06 03:00"),
        {},
        None,
        ("skipped_quiet", utc("03-06 12:00")),
    ),
    (
        "one review a day: the second waits for tomorrow's time",
        DUE,
        {},
        utc("03-05 23:00"),
        ("one_a_day", utc("03-07 00:00")),
    ),
    (
        "yesterday's review does not count today",
        DUE,
        {},
        utc("03-05 00:00"),
        (None, DUE),
    ),
    (
        "today's lesson is due: the review comes after it",
        DUE,
        {"next_lesson_at": DUE},
        None,
        ("after_lesson", DUE + review.RECHECK),
    ),
    (
        "a lesson question waits for its answer",
        DUE,
        {"pending_lesson_key": "other", "pending_question_key": "q1"},
        None,
        ("after_lesson", DUE + review.RECHECK),
    ),
    (
        "a question still waiting near the quiet hours: tomorrow",
        utc("03-06 01:50"),
        {"pending_lesson_key": "other", "pending_question_key": "q1"},
        None,
        ("after_lesson", utc("03-07 00:00")),
    ),
    (
        "WhatsApp window closed: no template for a review, tomorrow",
        DUE,
        {"channel": "whatsapp", "last_inbound_at": DUE - timedelta(days=2)},
        None,
        ("skipped_window", utc("03-07 00:00")),
    ),
    (
        "paused until Saturday: the day after the pause ends",
        DUE,
        {"paused_until": utc("03-08 15:00")},
        None,
        ("not_active", utc("03-10 00:00")),
    ),
]


@pytest.mark.parametrize(
    ("case", "now", "changes", "earlier", "expected"), HOLDS, ids=[r[0] for r in HOLDS]
)
def test_when_a_due_review_may_go(
    db_session: Session,
    settings: Settings,
    case: str,
    now: datetime,
    changes: dict[str, object],
    earlier: datetime | None,
    expected: tuple[str | None, datetime],
) -> None:
    learner = add_learner(db_session, settings)
    learner.delivery_time, learner.timezone = "19:00", PA
    learner.last_inbound_at = now - timedelta(hours=1)
    for name, value in changes.items():
        setattr(learner, name, value)
    if earlier is not None:
        other = add_item(db_session, learner, ReviewState.RECOVERED, earlier, question_key="q9")
        other.asked_at = earlier
    item = add_item(db_session, learner, ReviewState.DUE, DUE)

    reason = review.hold(db_session, item, learner, now, settings)

    assert (reason, item.due_at) == expected


def test_an_opted_out_learner_gets_no_review(db_session: Session, settings: Settings) -> None:
    learner = add_learner(db_session, settings, status=LearnerStatus.OPTED_OUT)
    item = add_item(db_session, learner, ReviewState.DUE, DUE)
    assert review.hold(db_session, item, learner, DUE, settings) == "dropped"
    assert item.state == ReviewState.DROPPED


@pytest.mark.parametrize(
    ("case", "waiting", "asked_again"),
    [
        ("still the question waiting: it waits on", ("lesson", "q1"), False),
        ("a lesson's question took its place: asked again tomorrow", ("other", "q1"), True),
    ],
)
def test_a_review_left_unanswered_is_asked_again(
    db_session: Session,
    settings: Settings,
    case: str,
    waiting: tuple[str, str],
    asked_again: bool,
) -> None:
    learner = add_learner(db_session, settings)
    learner.delivery_time, learner.timezone = "19:00", PA
    learner.pending_lesson_key, learner.pending_question_key = waiting
    item = add_item(db_session, learner, ReviewState.ASKED, DUE)
    now = DUE + timedelta(days=1, minutes=5)

    assert review.unanswered(item, learner, now, settings) is asked_again
    if asked_again:
        assert (item.state, item.due_at) == (ReviewState.DUE, utc("03-08 00:00"))
    else:
        assert item.state == ReviewState.ASKED
