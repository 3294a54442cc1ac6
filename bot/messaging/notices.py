"""What the worker tells a learner about their message itself: still waiting, or failed.

Both are outbox rows tied to the inbound message (``inbound_id``), in the
learner's language, written in the transaction that records the wait or the
failure:

- the holding reply (kind ``holding``): one "still working on it" when a
  message has waited ``worker.holding_reply_after_seconds`` in an outage, at
  most one per learner per outage (none since their last answered message);
- the failure notice (kind ``failure_notice``): the message could not be
  handled; write again later, or HELP for the menu. For the message that
  opted the learner out (stored as STOP at ingestion, ``bot.messaging.ingest``)
  the notice is the STOP confirmation itself, which an opted-out learner may get.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.messaging.keywords import asks_to_stop
from bot.messaging.outbox import write_reply
from bot.messaging.replies import Reply
from bot.models import InboundMessage, Learner, OutboxMessage
from bot.settings import Settings
from bot.text.i18n import gettext_for
from bot.text.i18n import marked as _
from bot.vocab import InboundStatus, LearnerStatus, OutboxKind

HOLDING_TEXT = _(
    "We have a technical problem and will answer your message as soon as we can. "
    "No need to send it again."
)
FAILURE_TEXT = _(
    "Sorry, we could not handle your message. Please write again later, "
    "or write HELP to see the menu."
)
# The STOP confirmation the action sends (nlu/actions/privacy.py): the same msgid.
OPTED_OUT_TEXT = _(
    "You will not get more messages. To come back, write START. To erase your data, write DELETE."
)


def _language(learner: Learner, settings: Settings) -> str:
    return learner.language or settings.languages.default


def write_failure_notice(
    session: Session, inbound: InboundMessage, learner: Learner, settings: Settings, now: datetime
) -> bool:
    """Tell the learner their message could not be handled; True if a row was written."""
    translate = gettext_for(_language(learner, settings))
    stopped = learner.status == LearnerStatus.OPTED_OUT and asks_to_stop(inbound.body)
    if stopped:
        reply = Reply(
            text=translate(OPTED_OUT_TEXT), kind=OutboxKind.OPT_OUT, allow_when_opted_out=True
        )
    elif learner.is_reachable:
        reply = Reply(text=translate(FAILURE_TEXT), kind=OutboxKind.FAILURE_NOTICE)
    else:
        return False  # opted out or erased: nothing more may go to them
    key = f"{inbound.message_sid}:failed"
    return write_reply(session, key, learner.id, reply, now, inbound.id)


def write_holding_reply(
    session: Session, inbound: InboundMessage, learner: Learner, settings: Settings, now: datetime
) -> bool:
    """The one "still working on it" of this outage, once the message has waited long enough."""
    waited = (now - inbound.received_at).total_seconds()
    if not learner.is_reachable or waited < settings.worker.holding_reply_after_seconds:
        return False
    # One per outage: none since the learner's last answered message.
    last_answered = session.scalar(
        select(func.max(InboundMessage.processed_at)).where(
            InboundMessage.learner_id == learner.id, InboundMessage.status == InboundStatus.DONE
        )
    )
    last_holding = session.scalar(
        select(func.max(OutboxMessage.created_at)).where(
            OutboxMessage.learner_id == learner.id, OutboxMessage.kind == OutboxKind.HOLDING
        )
    )
    if last_holding is not None and (last_answered is None or last_holding >= last_answered):
        return False
    translate = gettext_for(_language(learner, settings))
    reply = Reply(text=translate(HOLDING_TEXT), kind=OutboxKind.HOLDING)
    key = f"{inbound.message_sid}:holding"
    return write_reply(session, key, learner.id, reply, now, inbound.id)
