"""One learner message, one Rasa turn: claim it, run it, write the replies.

A learner's messages are taken strictly in order: a message is claimed only
when no earlier message of the same learner is still pending (waiting for Rasa
or for a retry). Different learners' messages run in parallel.

The claim (``bot.messaging.claims``) is a short transaction that counts an attempt and
leases the message, committed before Rasa is called: no database lock is held
while the custom actions write to the same database, and a worker that dies
mid-turn leaves a message that is simply due again when its lease ends.

Then, in one transaction: the replies go to the outbox (key
``{MessageSid}:{index}``, written once), minus those a learner who is opted
out or erased must not get (docs/CONTRACTS.md), and the message is marked done.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload, sessionmaker

from bot.db import session_scope
from bot.messaging.claims import claim_in_order
from bot.messaging.keywords import rasa_text
from bot.messaging.outbox import write_reply
from bot.messaging.rasa_client import RasaClient, RasaRejected, RasaUnavailable
from bot.messaging.replies import Reply, replies_from_rasa
from bot.models import InboundMessage, Learner
from bot.settings import Settings
from bot.vocab import InboundStatus

log = logging.getLogger(__name__)

# Retries while Rasa is down: 1 s, 2 s, 4 s ... at most 30 s apart, so that the
# waiting messages are answered soon after Rasa is back.
BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 30.0


class TurnOutcome(StrEnum):
    ANSWERED = "answered"
    RETRY = "retry"  # Rasa unavailable; the message waits, and so do the learner's later ones
    FAILED = "failed"  # given up: Rasa rejected it, or too many attempts


@dataclass(frozen=True)
class Turn:
    """A claimed message, as plain values (it outlives the claim's session)."""

    inbound_id: int
    learner_id: int
    sender_id: str  # the learner's opaque id: Rasa's conversation id
    message_sid: str
    attempts: int
    text: str
    metadata: dict[str, Any]


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempts - 1)))


def lease(settings: Settings) -> timedelta:
    """How long a claimed message is left alone: longer than any Rasa call."""
    return timedelta(seconds=3 * settings.rasa.timeout_seconds + 30)


def claim_turns(session: Session, settings: Settings, now: datetime, limit: int) -> list[Turn]:
    """Claim up to ``limit`` of the oldest due messages, at most one per learner."""
    claimed = claim_in_order(session, InboundMessage, now, now + lease(settings), limit)
    if not claimed:
        return []
    rows = session.scalars(
        select(InboundMessage)
        .where(InboundMessage.id.in_(claimed))
        .options(joinedload(InboundMessage.learner))
        .order_by(InboundMessage.id)
        .execution_options(populate_existing=True)
    )
    return [_turn(inbound, settings) for inbound in rows]


def claim_turn(session: Session, settings: Settings, now: datetime) -> Turn | None:
    """Claim the oldest due message whose learner has no earlier one pending."""
    turns = claim_turns(session, settings, now, limit=1)
    return turns[0] if turns else None


def _turn(inbound: InboundMessage, settings: Settings) -> Turn:
    learner = inbound.learner
    return Turn(
        inbound_id=inbound.id,
        learner_id=learner.id,
        sender_id=learner.public_id,
        message_sid=inbound.message_sid,
        attempts=inbound.attempts,
        text=rasa_text(inbound.body),
        metadata={
            "channel": inbound.channel,
            "language": learner.language or settings.languages.default,
            "message_sid": inbound.message_sid,
        },
    )


def run_turn(
    sessions: sessionmaker[Session], rasa: RasaClient, settings: Settings, now: datetime
) -> TurnOutcome | None:
    """Claim one message and run it through Rasa; None when nothing is due."""
    with session_scope(sessions) as session:
        turn = claim_turn(session, settings, now)
    if turn is None:
        return None
    return run_claimed(sessions, rasa, settings, turn, now)


def run_claimed(
    sessions: sessionmaker[Session], rasa: RasaClient, settings: Settings, turn: Turn, now: datetime
) -> TurnOutcome:
    """Run a claimed message through Rasa and write the replies (or postpone it)."""
    try:
        messages = rasa.send_message(turn.sender_id, turn.text, turn.metadata)
        if not messages:
            # The REST channel answers 200 with nothing when an action failed
            # (the action server is down, say); every turn of this bot replies.
            raise RasaUnavailable("Rasa answered with no messages", reached=True)
    except RasaRejected as error:
        log.error("turn %s of %s rejected by Rasa: %s", turn.message_sid, turn.sender_id, error)
        with session_scope(sessions) as session:
            _give_up(session, turn, f"rejected by Rasa: {error}", now)
        return TurnOutcome.FAILED
    except RasaUnavailable as error:
        with session_scope(sessions) as session:
            return _postpone(session, turn, error, settings.worker.max_attempts, now)

    replies = replies_from_rasa(messages)
    with session_scope(sessions) as session:
        finish_turn(session, turn, replies, now)
    return TurnOutcome.ANSWERED


def finish_turn(session: Session, turn: Turn, replies: list[Reply], now: datetime) -> int:
    """Write the replies the learner may get and mark the message done; return rows written."""
    # Read afresh: the turn's actions may just have opted the learner out or erased them.
    learner = session.get(Learner, turn.learner_id, populate_existing=True)
    inbound = session.get(InboundMessage, turn.inbound_id, populate_existing=True)
    if (
        inbound is None
        or learner is None
        or inbound.status != InboundStatus.PENDING
        or inbound.attempts != turn.attempts
    ):
        # Our lease ran out and another worker ran the turn again: its replies count.
        log.warning("turn %s finished elsewhere; replies dropped", turn.message_sid)
        return 0
    allowed = [
        (index, reply)
        for index, reply in enumerate(replies)
        if learner.is_reachable or reply.allow_when_opted_out
    ]
    written = sum(
        write_reply(session, f"{turn.message_sid}:{index}", learner.id, reply, now, inbound.id)
        for index, reply in allowed
    )
    inbound.status = InboundStatus.DONE
    inbound.processed_at = now
    inbound.next_attempt_at = None
    suppressed = len(replies) - len(allowed)
    inbound.last_error = (
        f"{suppressed} replies not written: learner is {learner.status}" if suppressed else None
    )
    log.info(
        "turn %s of %s: %d replies written, %d suppressed",
        turn.message_sid,
        turn.sender_id,
        written,
        suppressed,
    )
    return written


def _postpone(
    session: Session, turn: Turn, error: RasaUnavailable, max_attempts: int, now: datetime
) -> TurnOutcome:
    # A request that never reached Rasa cannot be this message's fault: it
    # waits for Rasa however long that takes. Otherwise it has max_attempts.
    if error.reached and turn.attempts >= max_attempts:
        log.error("turn %s of %s: giving up: %s", turn.message_sid, turn.sender_id, error)
        _give_up(session, turn, f"Rasa unavailable after {turn.attempts} attempts: {error}", now)
        return TurnOutcome.FAILED
    retry_at = now + backoff(turn.attempts)
    log.warning(
        "turn %s of %s: Rasa unavailable (%s); retry %d at %s",
        turn.message_sid,
        turn.sender_id,
        error,
        turn.attempts + 1,
        retry_at.isoformat(timespec="seconds"),
    )
    session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == turn.inbound_id)
        .values(next_attempt_at=retry_at, last_error=f"Rasa unavailable: {error}"[:500])
    )
    return TurnOutcome.RETRY


def _give_up(session: Session, turn: Turn, reason: str, now: datetime) -> None:
    session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == turn.inbound_id)
        .values(
            status=InboundStatus.FAILED,
            processed_at=now,
            next_attempt_at=None,
            last_error=reason[:500],
        )
    )
