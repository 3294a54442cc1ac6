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

A turn that fails is retried within a time budget (an outage) or a number of
attempts (a poison message), as ``bot.messaging.retries`` decides; a message
given up ends ``failed`` with its reason, and the learner is told
(``bot.messaging.notices``). Nothing a turn raises leaves this module except
the database failing, so one message cannot stop the others.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, joinedload, sessionmaker

from bot.db import session_scope
from bot.learners import cohorts
from bot.learners.cohorts import CodeMatch
from bot.messaging import retries
from bot.messaging.claims import claim_in_order
from bot.messaging.handoff import NO_HANDOFF, Desk, HandBack, HandoffState, hand_back
from bot.messaging.inbound import INBOUND
from bot.messaging.joining import GREETING, joining_for
from bot.messaging.keywords import asks_to_erase, handoff_text, rasa_text
from bot.messaging.notices import write_failure_notice, write_holding_reply
from bot.messaging.outbox import write_reply
from bot.messaging.rasa_client import RasaClient, RasaRejected, RasaUnavailable
from bot.messaging.replies import Reply, replies_from_rasa
from bot.messaging.retries import TurnHealth
from bot.messaging.taps import typed_for_tap
from bot.models import InboundMessage, Learner, is_reachable
from bot.ops.tally import TALLY, TURN_SECONDS, TURNS
from bot.settings import Settings
from bot.vocab import InboundStatus

log = logging.getLogger(__name__)


class TurnOutcome(StrEnum):
    ANSWERED = "answered"
    RETRY = "retry"  # an outage: the message waits (within the budget), so do the learner's later
    BACKOFF = "backoff"  # this message failed on its own: tried again later (within max_attempts)
    FAILED = "failed"  # given up, and the learner told


@dataclass(frozen=True)
class Turn:
    """A claimed message, as plain values (it outlives the claim's session)."""

    inbound_id: int
    learner_id: int
    sender_id: str  # the learner's opaque id: Rasa's conversation id
    message_sid: str
    attempts: int
    body: str | None
    received_at: datetime
    metadata: dict[str, Any]
    # A WhatsApp tap (bot.messaging.taps): read as typed text before the turn.
    tap_payload: str | None = None
    tapped_message_sid: str | None = None
    # Read with the claim (``Desk.states``, one query for the batch): the
    # turn starts at once, and a read per turn was a sixth of the worker's statements.
    handoff: HandoffState = NO_HANDOFF


def lease(settings: Settings) -> timedelta:
    """How long a claimed message is left alone: longer than any Rasa call."""
    return timedelta(seconds=3 * settings.rasa.timeout_seconds + 30)


def claim_turns(
    session: Session, settings: Settings, now: datetime, limit: int, desk: Desk | None = None
) -> list[Turn]:
    """Claim up to ``limit`` of the oldest due messages, at most one per learner.

    ``desk``: the inbox, whose hand-off state of each learner comes with the
    turn; None (the worker alone, in tests): no learner is handed to staff.
    """
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
    turns = [_turn(inbound, settings) for inbound in rows]
    if desk is None:
        return turns
    states = desk.states(session, [turn.learner_id for turn in turns])
    return [replace(turn, handoff=states[turn.learner_id]) for turn in turns]


def claim_turn(
    session: Session, settings: Settings, now: datetime, desk: Desk | None = None
) -> Turn | None:
    """Claim the oldest due message whose learner has no earlier one pending."""
    turns = claim_turns(session, settings, now, limit=1, desk=desk)
    return turns[0] if turns else None


def _turn(inbound: InboundMessage, settings: Settings) -> Turn:
    # Plain copies only: anything that reads the text runs in ``run_claimed``,
    # where a surprise fails this message alone, not the claim of all of them.
    learner = inbound.learner
    return Turn(
        inbound_id=inbound.id,
        learner_id=learner.id,
        sender_id=learner.public_id,
        message_sid=inbound.message_sid,
        attempts=inbound.attempts,
        body=inbound.body,
        received_at=inbound.received_at,
        tap_payload=inbound.tap_payload,
        tapped_message_sid=inbound.tapped_message_sid,
        metadata={
            "channel": inbound.channel,
            "language": learner.language or settings.languages.default,
            "message_sid": inbound.message_sid,
        },
    )


def run_turn(
    sessions: sessionmaker[Session],
    rasa: RasaClient,
    settings: Settings,
    now: datetime,
    health: TurnHealth | None = None,
    desk: Desk | None = None,
) -> TurnOutcome | None:
    """Claim one message and run it through Rasa; None when nothing is due."""
    with session_scope(sessions) as session:
        turn = claim_turn(session, settings, now, desk)
    if turn is None:
        return None
    return run_claimed(sessions, rasa, settings, turn, now, health, desk)


def run_claimed(
    sessions: sessionmaker[Session],
    rasa: RasaClient,
    settings: Settings,
    turn: Turn,
    now: datetime,
    health: TurnHealth | None = None,
    desk: Desk | None = None,
) -> TurnOutcome:
    """Run a claimed message through Rasa and write the replies, or record why not.

    ``desk``: the inbox (``bot.inbox.desk``), for learners handed to staff;
    None runs every message through the bot (tests of the worker alone).
    Only the database failing escapes: the message is then due again when its
    lease ends, and that counts as an attempt. Counted for ``/metrics``: the
    outcome, and the turn's time (a measurement, not the domain's ``now``).
    """
    started = time.monotonic()
    outcome = _run_claimed(sessions, rasa, settings, turn, now, health, desk)
    TALLY.count(TURNS, outcome=outcome.value)
    TALLY.observe(TURN_SECONDS, time.monotonic() - started)
    return outcome


def _run_claimed(
    sessions: sessionmaker[Session],
    rasa: RasaClient,
    settings: Settings,
    turn: Turn,
    now: datetime,
    health: TurnHealth | None,
    desk: Desk | None,
) -> TurnOutcome:
    health = health or TurnHealth()
    if turn.attempts > settings.worker.max_attempts:
        # Each of its tries ended with the worker gone (killed mid-turn): poison.
        reason = f"the worker stopped during each of its {settings.worker.max_attempts} attempts"
        return _give_up(sessions, turn, reason, settings, now, health)
    started = health.mark()
    try:
        turn = _as_typed(sessions, turn)
        joining = joining_for(sessions, turn.learner_id, turn.body, settings)
        if joining is not None and joining.onboarded:
            # A join code from a known learner: the confirmation is the answer.
            with session_scope(sessions) as session:
                finish_turn(session, turn, [joining.confirmation], now, joining.match)
            health.answered(turn.inbound_id)
            return TurnOutcome.ANSWERED
        text = GREETING if joining else routed_text(sessions, rasa, desk, turn, now)
        messages = rasa.send_message(turn.sender_id, text, turn.metadata)
        if not messages:
            # The REST channel answers 200 with nothing when an action failed
            # (the action server is down, say); every turn of this bot replies.
            raise RasaUnavailable("Rasa answered with no messages", reached=True)
    except RasaRejected as error:
        log.error("turn %s of %s rejected by Rasa: %s", turn.message_sid, turn.sender_id, error)
        return _give_up(sessions, turn, f"rejected by Rasa: {error}", settings, now, health)
    except RasaUnavailable as error:
        if error.reached and health.failed_alone(turn.inbound_id, started):
            reason = f"Rasa failed this turn: {error}"
            return _try_again(sessions, turn, reason, settings, now, health)
        return _wait_for_rasa(sessions, turn, error, settings, now, health)
    except Exception as error:  # our own handling of this one message: a bug it triggers
        log.exception("turn %s of %s: unexpected error", turn.message_sid, turn.sender_id)
        return _try_again(sessions, turn, f"unexpected: {error!r}", settings, now, health)

    # The turn ran in Rasa: its actions did their work. An answer we cannot
    # store is not asked for again, since that would run the actions again
    # (a lesson delivered twice); the message fails at once instead.
    try:
        replies = replies_from_rasa(messages)
        joined = None
        if joining is not None:
            replies, joined = [joining.confirmation, *replies], joining.match
        with session_scope(sessions) as session:
            finish_turn(session, turn, replies, now, joined)
    except SQLAlchemyError:
        raise  # the database, not the message: due again when the lease ends
    except Exception as error:
        log.exception("turn %s of %s: Rasa's answer not stored", turn.message_sid, turn.sender_id)
        reason = f"Rasa's answer could not be stored: {error!r}"
        return _give_up(sessions, turn, reason, settings, now, health)
    health.answered(turn.inbound_id)
    return TurnOutcome.ANSWERED


def _as_typed(sessions: sessionmaker[Session], turn: Turn) -> Turn:
    """A tap becomes the text it stands for (bot.messaging.taps); typed text stays as it is."""
    if not turn.tap_payload:
        return turn
    with session_scope(sessions) as session:
        typed = typed_for_tap(session, turn.learner_id, turn.tap_payload, turn.tapped_message_sid)
    return replace(turn, body=typed)


def routed_text(
    sessions: sessionmaker[Session],
    rasa: RasaClient,
    desk: Desk | None,
    turn: Turn,
    now: datetime,
) -> str:
    """What goes to Rasa for this message; a learner staff let go is first handed back.

    While staff have the conversation the text is the inbox's
    (``keywords.handoff_text``): the bot does not answer it.
    """
    state = turn.handoff  # NO_HANDOFF without a desk
    if state.to_resume is not None and desk is not None:
        back = HandBack(state.to_resume, turn.learner_id, turn.sender_id)
        hand_back(sessions, rasa, desk, back, now)
        with session_scope(sessions) as session:
            state = desk.states(session, [turn.learner_id])[turn.learner_id]
    if not state.open:
        return rasa_text(turn.body)
    with session_scope(sessions) as session:
        learner = session.get(Learner, turn.learner_id)
        previous = session.scalar(
            select(InboundMessage.body)
            .where(
                InboundMessage.learner_id == turn.learner_id,
                InboundMessage.id < turn.inbound_id,
            )
            .order_by(InboundMessage.id.desc())
            .limit(1)
        )
        quiz_pending = learner is not None and learner.pending_question_key is not None
    return handoff_text(
        turn.body, quiz_pending=quiz_pending, answers_erasure=asks_to_erase(previous)
    )


def finish_turn(
    session: Session,
    turn: Turn,
    replies: list[Reply],
    now: datetime,
    joined: CodeMatch | None = None,
) -> int:
    """Write the replies the learner may get and mark the message done; return rows written.

    ``joined``: the message was a join code, whose cohort the learner joins here.
    The hot end of every turn: the learner's status is read alone and the
    message settled by a compare-and-set on its table, without loading either
    row (two statements before the inserts instead of four and an ORM flush).
    """
    # Read afresh: the turn's actions may just have opted the learner out or erased them.
    status = session.scalar(select(Learner.status).where(Learner.id == turn.learner_id))
    if status is None:  # erased with their messages since the claim
        log.warning("turn %s: learner gone; replies dropped", turn.message_sid)
        return 0
    allowed = [
        (index, reply)
        for index, reply in enumerate(replies)
        if is_reachable(status) or reply.allow_when_opted_out
    ]
    suppressed = len(replies) - len(allowed)
    settled = session.execute(
        update(INBOUND)
        .where(
            INBOUND.c.id == turn.inbound_id,
            INBOUND.c.status == InboundStatus.PENDING,
            INBOUND.c.attempts == turn.attempts,
        )
        .values(
            status=InboundStatus.DONE,
            processed_at=now,
            next_attempt_at=None,
            last_error=(
                f"{suppressed} replies not written: learner is {status}" if suppressed else None
            ),
        )
        .returning(INBOUND.c.id)
    ).scalar()
    if settled is None:
        # Our lease ran out and another worker ran the turn again: its replies
        # count. Nothing was written here (the UPDATE matched no row).
        log.warning("turn %s finished elsewhere; replies dropped", turn.message_sid)
        return 0
    if joined is not None:
        cohorts.join(session, turn.learner_id, joined, now)
    written = sum(
        write_reply(
            session, f"{turn.message_sid}:{index}", turn.learner_id, reply, now, turn.inbound_id
        )
        for index, reply in allowed
    )
    log.info(
        "turn %s of %s: %d replies written, %d suppressed",
        turn.message_sid,
        turn.sender_id,
        written,
        suppressed,
    )
    return written


def _wait_for_rasa(
    sessions: sessionmaker[Session],
    turn: Turn,
    error: RasaUnavailable,
    settings: Settings,
    now: datetime,
    health: TurnHealth,
) -> TurnOutcome:
    """An outage: wait (the try is not an attempt) until the budget is spent, then give up."""
    if retries.budget_spent(turn.received_at, now, settings):
        budget = settings.worker.outage_budget_seconds
        reason = f"Rasa unavailable for the whole outage budget ({budget:.0f} s): {error}"
        return _give_up(sessions, turn, reason, settings, now, health, count_attempt=False)
    retry_at = now + retries.outage_backoff(turn.received_at, now, settings)
    log.warning(
        "turn %s of %s: Rasa unavailable (%s); waiting until %s",
        turn.message_sid,
        turn.sender_id,
        error,
        retry_at.isoformat(timespec="seconds"),
    )
    with session_scope(sessions) as session:
        inbound = _still_ours(session, turn)
        if inbound is None:
            return TurnOutcome.RETRY
        inbound.attempts = turn.attempts - 1  # not this message's fault
        inbound.next_attempt_at = retry_at
        inbound.last_error = f"Rasa unavailable: {error}"[:500]
        write_holding_reply(session, inbound, inbound.learner, settings, now)
    return TurnOutcome.RETRY


def _try_again(
    sessions: sessionmaker[Session],
    turn: Turn,
    reason: str,
    settings: Settings,
    now: datetime,
    health: TurnHealth,
) -> TurnOutcome:
    """This message failed on its own: an attempt spent; give up after ``max_attempts``."""
    if turn.attempts >= settings.worker.max_attempts:
        log.error("turn %s of %s: giving up: %s", turn.message_sid, turn.sender_id, reason)
        reason = f"failed {turn.attempts} times: {reason}"
        return _give_up(sessions, turn, reason, settings, now, health)
    retry_at = now + retries.poison_backoff(turn.attempts, settings)
    log.warning(
        "turn %s of %s: attempt %d failed (%s); retry at %s",
        turn.message_sid,
        turn.sender_id,
        turn.attempts,
        reason,
        retry_at.isoformat(timespec="seconds"),
    )
    with session_scope(sessions) as session:
        inbound = _still_ours(session, turn)
        if inbound is not None:
            inbound.next_attempt_at = retry_at
            inbound.last_error = reason[:500]
    return TurnOutcome.BACKOFF


def _give_up(
    sessions: sessionmaker[Session],
    turn: Turn,
    reason: str,
    settings: Settings,
    now: datetime,
    health: TurnHealth,
    *,
    count_attempt: bool = True,
) -> TurnOutcome:
    """The message cannot be handled: it ends failed with its reason, and the learner is told.

    ``count_attempt`` false: the last try was an outage's, not this message's fault.
    """
    with session_scope(sessions) as session:
        inbound = _still_ours(session, turn)
        if inbound is None:
            return TurnOutcome.FAILED
        inbound.status = InboundStatus.FAILED
        inbound.processed_at = now
        inbound.next_attempt_at = None
        spent = turn.attempts if count_attempt else turn.attempts - 1
        inbound.attempts = min(spent, settings.worker.max_attempts)
        inbound.last_error = reason[:500]
        learner = inbound.learner
        told = write_failure_notice(session, inbound, learner, settings, now)
        if not told and not learner.is_reachable:
            # They opted out (or were erased) after writing it: nothing may be
            # sent to them, so it is settled as a turn whose replies are
            # suppressed is (done, with why), not left failed with nobody told.
            inbound.status = InboundStatus.DONE
            inbound.last_error = f"{reason}; nothing sent: learner is {learner.status}"[:500]
    health.settled(turn.inbound_id)
    log.error(
        "turn %s of %s failed (%s); learner told: %s",
        turn.message_sid,
        turn.sender_id,
        reason,
        told,
    )
    return TurnOutcome.FAILED


def _still_ours(session: Session, turn: Turn) -> InboundMessage | None:
    """The message, if our claim still holds (no other worker took it after our lease)."""
    inbound = session.get(InboundMessage, turn.inbound_id, populate_existing=True)
    if inbound is None or inbound.status != InboundStatus.PENDING:
        return None
    if inbound.attempts != turn.attempts:
        return None
    return inbound
