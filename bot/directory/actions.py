"""What staff may do to one learner from their page: pause, resume, erase; each audited.

Tags go through ``bot.tags.service.change_tag`` (audited there). The state
changes themselves belong to ``bot.learners.lifecycle`` and
``bot.privacy.erasure``: this module only checks that the step makes sense
for the learner's status and records who took it. Functions take a session
and ``now`` and do not commit.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session, object_session

from bot.learners import lifecycle
from bot.models import Learner
from bot.privacy.erasure import erase_learner
from bot.settings import Settings
from bot.staff.accounts import ERASED_LEARNER, audit
from bot.vocab import LearnerStatus


class Refusal(StrEnum):
    """Why a step was not taken (the page says it in the staff member's language)."""

    NOT_ACTIVE = "not_active"  # only an active learner can be paused
    NOT_PAUSED = "not_paused"
    ERASED = "erased"


def pause(learner: Learner, now: datetime, actor_id: int | None) -> Refusal | None:
    """No lessons until staff (or the learner, with RESUME) end the pause."""
    if learner.status != LearnerStatus.ACTIVE:
        return Refusal.NOT_ACTIVE
    lifecycle.pause_indefinitely(learner)
    _audit(learner, "learner.pause", now, actor_id)
    return None


def resume(
    learner: Learner, now: datetime, settings: Settings, actor_id: int | None
) -> Refusal | None:
    """End a pause (with or without an end of its own): lessons at the next slot."""
    if not lifecycle.is_paused(learner, now):
        return Refusal.NOT_PAUSED
    lifecycle.resume(learner, now, settings)
    _audit(learner, "learner.resume", now, actor_id)
    return None


def erase(learner: Learner, now: datetime, actor_id: int | None) -> Refusal | None:
    """Erase on the learner's request, told to staff: as if they had written BORRAR.

    No confirmation message goes to the phone (the learner asked a person,
    who tells them), so the encrypted number goes at once with the rest.
    """
    if learner.status == LearnerStatus.ERASED:
        return Refusal.ERASED
    session = _session(learner)
    erase_learner(session, learner, now)
    lifecycle.forget_number(learner)
    # Not the pseudonym: after an erasure no audit entry may tell the learner was here.
    audit(session, actor_id, "learner.erase", {"learner": ERASED_LEARNER}, now)
    return None


def _audit(learner: Learner, action: str, now: datetime, actor_id: int | None) -> None:
    audit(_session(learner), actor_id, action, {"learner": learner.public_id}, now)


def _session(learner: Learner) -> Session:
    session = object_session(learner)
    assert session is not None, "the learner must be loaded in a session"
    return session
