"""Small-number suppression: any count below 5 is shown as "<5".

Applied where figures leave the database for a person (pages, charts, aggregate
CSV exports, `lessonbot stats`), so that no view can single out a handful of
learners. Counts of messages or answers are suppressed when fewer than 5
learners account for them, and a share is hidden when it rests on fewer than 5
or counts fewer than 5, since it would give the small count away.
"""

from __future__ import annotations

from typing import Final

MIN_COUNT: Final = 5


class Suppressed:
    """A count below ``MIN_COUNT``: shown as "<5", never as its value."""

    _instance: Suppressed | None = None

    def __new__(cls) -> Suppressed:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __str__(self) -> str:
        return f"<{MIN_COUNT}"

    def __repr__(self) -> str:
        return "SUPPRESSED"


SUPPRESSED: Final = Suppressed()
Count = int | Suppressed


def protect(count: int | None) -> Count:
    """The count as it may be shown (``None`` from an empty SQL sum is zero)."""
    value = int(count or 0)
    return SUPPRESSED if value < MIN_COUNT else value


def protect_events(count: int | None, learners: int | None) -> Count:
    """A count of events (messages, answers): suppressed as well when fewer than 5
    learners account for it, since it would describe those few people."""
    return SUPPRESSED if int(learners or 0) < MIN_COUNT else protect(count)


def share(part: int | None, whole: int | None, learners: int | None = None) -> float | None:
    """``part / whole`` as it may be shown, or None when it rests on too few."""
    part, whole = int(part or 0), int(whole or 0)
    too_few_learners = learners is not None and learners < MIN_COUNT
    if whole < MIN_COUNT or part < MIN_COUNT or too_few_learners:
        return None
    return part / whole


def as_text(value: Count | float | str | None) -> str:
    """The plain-text form used in CSV and the terminal (no locale grouping)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value * 100:.1f}%"
    return str(value)
