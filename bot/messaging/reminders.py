"""Reminders: one for an unanswered quiz question, one "still there?" after a long silence.

Both are free text written to the outbox (kind ``reminder``) in the learner's
language, at most once each by their idempotency keys:

- A quiz question (``question_asked_at``, set by the actions when they send
  one) still unanswered ``reminder_delay_hours`` later, with the learner
  silent for as long, gets one gentle reminder: key
  ``reminder:{learner}:{lesson}/{question}``, one per learner and question
  (asked again by REPEAT, it is not reminded again). Once handled, sent or
  not needed, ``question_asked_at`` is cleared and the learner leaves the
  job's index.
- A learner with lessons scheduled who has not written for ``inactive_days``
  (counted from the end of a pause they asked for) gets "still there?" once:
  key ``still_there:{learner}:{time of their last message}``, one per silence.
  ``nudged_at`` is set and their lessons stop (no slot) until they write:
  ``bot.learners.schedule.resume_after_silence`` runs on their next message.

Never in the learner's quiet hours: a learner in them is skipped and found
again by a later tick, after the quiet hours end.

WhatsApp refuses free text outside the 24-hour window. A quiz reminder
for a learner whose window is closed is not sent: a template costs money and
would say less than the next lesson's own window template. "Still there?" is
not needed on WhatsApp at all: after a day of silence the window is closed,
so the due-lesson job sends the window template and holds the lessons until
the learner replies, which is the same pause.

Each job reads its candidates from a small partial index, oldest first
(``bot.learners.due``); the learner's fields change through ``bot.learners.schedule``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from bot.learners import due, schedule
from bot.learners.localtime import ScheduleError, is_quiet, whatsapp_window_open
from bot.messaging.outbox import write_reply
from bot.messaging.replies import Reply
from bot.models import Learner, OutboxMessage
from bot.settings import Settings
from bot.text.i18n import gettext_for
from bot.vocab import LESSON_KINDS, NOT_RECEIVED, ChannelName, LearnerStatus, OutboxKind


def send_quiz_reminders(
    session: Session, settings: Settings, now: datetime, held: Select | None = None
) -> dict[str, int]:
    """Remind learners of a quiz question left unanswered; return what happened to them.

    ``held``: learner ids not reminded for now (talking with staff, when
    ``inbox.pause_lessons`` is set); they are reminded after the hand-off.
    """
    learners = due.quiz_reminder_candidates(session, now, settings, held)
    return _run(session, learners, settings, now, _remind_quiz)


def send_still_there(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Ask long-silent learners whether they are still there, and pause their lessons."""
    learners = due.silent_learners(session, now, settings)
    return _run(session, learners, settings, now, _ask_still_there)


Handler = Callable[[Session, Learner, Settings, datetime], str]


def _run(
    session: Session, learners: Iterator[Learner], settings: Settings, now: datetime, act: Handler
) -> dict[str, int]:
    summary: Counter[str] = Counter()
    for learner in learners:
        summary[act(session, learner, settings, now)] += 1
    return dict(summary)


def _quiet(learner: Learner, settings: Settings, now: datetime) -> bool:
    try:
        return is_quiet(
            now, learner.timezone, settings.schedule.quiet_start, settings.schedule.quiet_end
        )
    except ScheduleError:
        return False  # the due job reports an unusable time zone; a reminder can still go


def _remind_quiz(session: Session, learner: Learner, settings: Settings, now: datetime) -> str:
    if not (learner.pending_lesson_key and learner.pending_question_key):
        schedule.question_handled(learner)
        return "answered"
    cutoff = now - timedelta(hours=settings.schedule.reminder_delay_hours)
    if learner.last_inbound_at is not None and learner.last_inbound_at > cutoff:
        return "not_yet"  # the learner wrote since: counted from their last message
    if _quiet(learner, settings, now):
        return "skipped_quiet"
    schedule.question_handled(learner)  # whatever follows
    outcome = _why_not_remind(session, learner, now)
    if outcome is not None:
        return outcome
    question = f"{learner.pending_lesson_key}/{learner.pending_question_key}"
    _ = gettext_for(learner.language or settings.languages.default)
    text = _(
        "A gentle reminder: a quiz question is waiting for you. Reply with the number "
        "of your answer, or write REPEAT to see the lesson again."
    )
    key = f"reminder:{learner.public_id}:{question}"
    written = write_reply(session, key, learner.id, Reply(text=text, kind=OutboxKind.REMINDER), now)
    return "reminded" if written else "already_sent"


def _why_not_remind(session: Session, learner: Learner, now: datetime) -> str | None:
    if (
        learner.status != LearnerStatus.ACTIVE
        or learner.nudged_at is not None
        or (learner.paused_until is not None and learner.paused_until > now)
    ):
        return "not_active"
    if learner.channel == ChannelName.WHATSAPP and not whatsapp_window_open(
        learner.last_inbound_at, now
    ):
        return "skipped_window"
    if _lesson_not_received(session, learner):
        return "skipped_unreachable"  # the question never reached the phone either
    return None


def _ask_still_there(session: Session, learner: Learner, settings: Settings, now: datetime) -> str:
    if _quiet(learner, settings, now):
        return "skipped_quiet"
    silent_since = learner.last_inbound_at or learner.created_at
    schedule.pause_for_silence(learner, now)  # until they write: schedule.resume_after_silence
    _ = gettext_for(learner.language or settings.languages.default)
    text = _(
        "Are you still there? Your lessons are paused for now. "
        "Write anything and they will start again."
    )
    key = f"still_there:{learner.public_id}:{silent_since.isoformat()}"
    written = write_reply(session, key, learner.id, Reply(text=text, kind=OutboxKind.REMINDER), now)
    return "asked" if written else "already_sent"


def _lesson_not_received(session: Session, learner: Learner) -> bool:
    status = session.scalar(
        select(OutboxMessage.status)
        .where(OutboxMessage.learner_id == learner.id, OutboxMessage.kind.in_(LESSON_KINDS))
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    return status in NOT_RECEIVED
