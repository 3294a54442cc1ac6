"""WhatsApp window templates: the invitation, and the fallback for a lesson WhatsApp refused.

``window_template`` is the approved template (Content SID) that invites a
learner whose 24-hour window is closed to reply; the due job sends it instead
of a lesson (``bot.messaging.dispatch``). The job here answers a lesson that
WhatsApp refused because the window had closed the same way:

The row keeps the reason (``FailureReason.WINDOW_CLOSED``), whether the
provider refused the send or reported it later in a status callback. Every
minute this job takes the fresh ones (``FRESH``) on lesson and quiz rows of
WhatsApp learners who have not written since, and for each:

- writes the window template (``window_template``, here) under the key
  ``{turn}:window``, where the turn is the row's key without its index: a
  lesson and its quiz that both failed bring one template, not two;
- holds the learner's lessons as the due job does when it finds the window
  closed (``lesson_waiting_since`` set, no slot). Their reply releases the
  lesson (``bot.learners.schedule.release_waiting_lesson``) and the due turn sends
  the lesson they missed again, not the next one (``bot.learners.catchup``).

A learner who wrote since the failure has the window open again: nothing to
do here, their next lesson is the missed one. A learner already waiting for a
template's answer is left waiting.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import Select, or_, select, text
from sqlalchemy.orm import Session

from bot.learners import schedule
from bot.learners.catchup import lesson_number_to_come, turn_key
from bot.messaging.outbox import write_reply
from bot.messaging.replies import Reply
from bot.models import Learner, OutboxMessage
from bot.settings import Settings
from bot.vocab import LESSON_KINDS, ChannelName, FailureReason, LearnerStatus, OutboxKind

log = logging.getLogger(__name__)

# What the outbox shows for a template row (the sender sends the Content SID,
# not this text; the local channel and the simulator show it).
WINDOW_TEMPLATE_TEXT = "Your lesson {number} is ready. Reply OK to get it."
# How far back a failure is still acted on; older ones are left to the next
# slot, where the due job finds the window closed and sends the template.
FRESH = timedelta(days=2)
# Matches the partial index ix_outbox_window_closed: written out, not bound,
# so that SQLite's planner can prove the index applies.
_WINDOW_CLOSED = text(f"outbox_message.failure_reason = '{FailureReason.WINDOW_CLOSED.value}'")


def window_template(session: Session, learner: Learner, settings: Settings) -> Reply:
    """The WhatsApp template that invites the learner to reply; ``{{1}}``: the lesson number.

    Also what replaces a lesson refused for a closed window (below). The number
    is the lesson the reply brings: the next one, or the latest again when the
    phone never got it (bot.learners.catchup).
    """
    number = str(lesson_number_to_come(session, learner))
    sid = settings.window_template_sid(learner.language or settings.languages.default)
    if not sid:
        # Fine for the local channel; Twilio would refuse the text (window closed).
        log.warning(
            "no WhatsApp window template configured for %s (twilio.whatsapp_window_template_sid"
            " or twilio.whatsapp_window_template_sids)",
            learner.language or settings.languages.default,
        )
    return Reply(
        text=WINDOW_TEMPLATE_TEXT.format(number=number),
        kind=OutboxKind.WINDOW_TEMPLATE,
        content_sid=sid or None,
        content_variables={"1": number} if sid else None,
    )


def window_failures_query(now: datetime, limit: int) -> Select:
    """Fresh window-closed failures of lessons and quizzes of learners still silent, not waiting."""
    # The learner's conditions are a correlated EXISTS, not a join: the rows
    # come from the small partial index, each learner by its primary key
    # (joined, SQLite would rather scan the active learners).
    learner_still_silent = (
        select(Learner.id)
        .where(Learner.id == OutboxMessage.learner_id)
        .where(Learner.status == LearnerStatus.ACTIVE, Learner.channel == ChannelName.WHATSAPP)
        .where(Learner.lesson_waiting_since.is_(None))
        .where(
            or_(
                Learner.last_inbound_at.is_(None),
                Learner.last_inbound_at <= OutboxMessage.status_updated_at,
            )
        )
        .exists()
    )
    return (
        select(OutboxMessage.id, OutboxMessage.idempotency_key, OutboxMessage.learner_id)
        .where(_WINDOW_CLOSED, OutboxMessage.status_updated_at >= now - FRESH)
        .where(OutboxMessage.kind.in_(LESSON_KINDS), learner_still_silent)
        .order_by(OutboxMessage.status_updated_at, OutboxMessage.id)
        .limit(limit)
    )


def send_window_templates(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Replace fresh window-closed failures by the window template; return how many went."""
    summary: Counter[str] = Counter({"window_template": 0})
    for row in session.execute(window_failures_query(now, settings.schedule.due_batch_size)).all():
        learner = session.get(Learner, row.learner_id)
        if learner is None or learner.lesson_waiting_since is not None:
            summary["already_waiting"] += 1  # a lesson and its quiz: the first one did it
            continue
        key = f"{turn_key(row.idempotency_key)}:window"
        reply = window_template(session, learner, settings)
        if not write_reply(session, key, learner.id, reply, now):
            summary["already_sent"] += 1
            continue
        schedule.hold_for_template(learner, now)
        summary["window_template"] += 1
    return dict(summary)
