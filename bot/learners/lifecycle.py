"""A learner's status: the only writer of ``Learner.status`` and ``opted_out_at``.

    new --(onboarding ends)--> active --(STOP, or the provider says so)--> opted_out
    opted_out --(START)--> active (or new, if they never finished onboarding)
    any --(DELETE, confirmed)--> erased: a tombstone, for good

A pause with an end keeps a learner active (``paused_until``: see
``bot.learners.schedule``); status PAUSED is a pause with no end. Each move
here also applies what follows from it (the next lesson is rescheduled).
Functions set fields on a loaded learner and do not commit.
"""

from __future__ import annotations

from datetime import datetime

from bot.learners import schedule
from bot.models import Learner
from bot.settings import Settings
from bot.vocab import LearnerStatus


def is_onboarded(learner: Learner) -> bool:
    return (
        learner.status != LearnerStatus.NEW
        and learner.consent_at is not None
        and learner.course_key is not None
    )


def is_paused(learner: Learner, now: datetime) -> bool:
    return learner.status == LearnerStatus.PAUSED or (
        learner.paused_until is not None and learner.paused_until > now
    )


def choose_language(learner: Learner, language: str) -> None:
    learner.language = language


def record_consent(learner: Learner, now: datetime | None) -> None:
    """The learner agreed to the privacy notice at ``now``; None: they did not (or not yet)."""
    learner.consent_at = now


def activate(learner: Learner) -> None:
    """Onboarding ended with consent, a course and a time: lessons may come."""
    if learner.status == LearnerStatus.NEW:
        learner.status = LearnerStatus.ACTIVE


def opt_out(learner: Learner, now: datetime, settings: Settings) -> None:
    """STOP: no more messages (but the confirmation); nothing is scheduled."""
    if learner.status != LearnerStatus.OPTED_OUT:
        learner.status = LearnerStatus.OPTED_OUT
        learner.opted_out_at = now
    schedule.schedule_next_lesson(learner, now, settings)


def opted_out_by_provider(learner: Learner, now: datetime) -> None:
    """The provider refused a message because the learner told it STOP."""
    if learner.status != LearnerStatus.ERASED:
        learner.status = LearnerStatus.OPTED_OUT
        learner.opted_out_at = learner.opted_out_at or now


def opt_in(learner: Learner, now: datetime, settings: Settings) -> bool:
    """START: back after STOP, or the end of a pause; False when there is nothing to resume."""
    if learner.status == LearnerStatus.OPTED_OUT:
        _back_from_opt_out(learner)
    elif not is_paused(learner, now):
        return False
    resume(learner, now, settings)
    return True


def come_back(learner: Learner, now: datetime, settings: Settings) -> None:
    """START from someone who opted out and is greeted anew (their dialogue was lost)."""
    _back_from_opt_out(learner)
    schedule.schedule_next_lesson(learner, now, settings)


def pause_indefinitely(learner: Learner) -> None:
    """Staff paused the learner: no lessons until RESUME (theirs, or staff's)."""
    learner.status = LearnerStatus.PAUSED
    learner.paused_until = None


def resume(learner: Learner, now: datetime, settings: Settings) -> None:
    """RESUME: a pause ends now, with or without an end of its own."""
    if learner.status == LearnerStatus.PAUSED:
        learner.status = LearnerStatus.ACTIVE
    schedule.end_pause(learner, now, settings)


def _back_from_opt_out(learner: Learner) -> None:
    learner.status = LearnerStatus.ACTIVE if is_onboarded(learner) else LearnerStatus.NEW
    learner.opted_out_at = None


def mark_erased(learner: Learner, now: datetime) -> None:
    """Leave only a tombstone: the row, its opaque id, the channel and the encrypted number.

    The number is kept until the confirmation of the erasure has gone
    (``forget_number``); progress is deleted by ``bot.learners.progress.forget``.
    """
    learner.status = LearnerStatus.ERASED
    learner.phone_hash = None  # the number can no longer find this row
    learner.profile_name = None
    learner.language = None
    learner.consent_at = None
    learner.last_inbound_at = None
    learner.opted_out_at = now
    schedule.forget(learner)


def forget_number(learner: Learner) -> None:
    """The erasure's confirmation has gone (or never will): the number goes too."""
    learner.phone_encrypted = None
