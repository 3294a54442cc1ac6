"""From a scheduled broadcast to outbox rows, a little ahead of the sender.

The scheduler's job (``run``) does three things on each tick:

1. **Start** the broadcasts whose time has come: the segment is copied into
   ``broadcast_recipient`` by one INSERT ... SELECT (the snapshot), in the same
   transaction as the move to "sending", so a crash leaves either both or neither.
2. **Feed** the outbox: recipients become outbox rows, in learner order, only
   as many as the sender gets through in ``broadcast_feed_ahead_seconds``. The
   sender takes rows oldest first, so a whole broadcast queued at once would
   hold back every learner's replies and lessons until it was through; fed
   this way they wait seconds. A recipient whose local time is in the quiet
   hours (now or by the time the row would go) is left waiting until they end.
3. **Finish** the broadcasts with nobody waiting and no row pending.

Each feed batch is one transaction: the outbox rows (idempotency key
``broadcast:{id}:{public id}``; a second write of a key is a no-op) and the
recipients' move to "queued". A crash anywhere resumes where it stopped,
without duplicates and without gaps.
"""

from __future__ import annotations

import logging
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    DateTime,
    Integer,
    Row,
    String,
    Table,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, sessionmaker

from bot.broadcasts import approval
from bot.broadcasts import audience as segment
from bot.broadcasts.compose import Draft, first_name
from bot.broadcasts.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    RecipientState,
    Route,
    SkipReason,
)
from bot.broadcasts.routing import choose_route, template_variables, window_cutoff
from bot.db import rowcount, session_scope
from bot.learners.localtime import DEFAULT_TIMEZONE, ScheduleError, is_quiet
from bot.messaging.outbox import new_row, write_many
from bot.models import Learner, OutboxMessage
from bot.settings import Settings
from bot.staff.accounts import audit
from bot.vocab import ChannelName, LearnerStatus, OutboxKind, OutboxStatus

log = logging.getLogger(__name__)

CANCELLED_TEXT = "not sent: the broadcast was cancelled"  # a stopped row's error
BATCH = 1000
UNREACHABLE = (LearnerStatus.OPTED_OUT, LearnerStatus.ERASED)
RECIPIENTS = cast(Table, BroadcastRecipient.__table__)
LearnerRow = Row[*tuple[Any, ...]]  # what ``_waiting`` reads of a learner
# One recipient's outcome; the bound names differ from the columns' (executemany).
_SET_RECIPIENT = (
    update(RECIPIENTS)
    .where(RECIPIENTS.c.broadcast_id == bindparam("b_id"))
    .where(RECIPIENTS.c.learner_id == bindparam("l_id"))
    .values(
        state=bindparam("new_state"),
        route=bindparam("new_route"),
        language=bindparam("new_language"),
        reason=bindparam("new_reason"),
        outbox_id=bindparam("new_outbox_id"),
        queued_at=bindparam("new_queued_at"),
    )
)

# The same outcome as arrays, one per column, for PostgreSQL.
_OUTCOME_COLUMNS = (
    ("b_id", Integer()),
    ("l_id", Integer()),
    ("new_state", String()),
    ("new_route", String()),
    ("new_language", String()),
    ("new_reason", String()),
    ("new_outbox_id", Integer()),
    ("new_queued_at", DateTime()),
)


def run(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> dict[str, int]:
    """The scheduler job: start what is due, feed the outbox, finish what is done."""
    summary = Counter({"started": 0, "queued": 0, "skipped": 0, "finished": 0})
    with session_scope(sessions) as session:
        due = session.scalars(
            select(Broadcast.id)
            .where(Broadcast.status == BroadcastStatus.SCHEDULED, Broadcast.send_at <= now)
            .order_by(Broadcast.send_at, Broadcast.id)
        ).all()
    for broadcast_id in due:
        with session_scope(sessions) as session:
            summary["started"] += start(session, broadcast_id, now, settings)
    with session_scope(sessions) as session:
        budget = feed_budget(session, settings)
        quiet = quiet_zones(session, settings, now)
    while budget > 0:
        with session_scope(sessions) as session:
            queued, skipped = feed(session, settings, now, min(budget, BATCH), quiet)
        summary["queued"] += queued
        summary["skipped"] += skipped
        budget -= queued
        if queued + skipped == 0:
            break
    with session_scope(sessions) as session:
        summary["finished"] += finish(session, now)
    return dict(summary)


def start(session: Session, broadcast_id: int, now: datetime, settings: Settings) -> int:
    """Take the snapshot of a due broadcast and mark it sending; 1 if it started.

    The approval is checked again against the snapshot: if it needs one now, the
    broadcast goes back to "awaiting approval" (``approval.hold``) and 0 is returned.
    """
    moved = session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == BroadcastStatus.SCHEDULED)
        .where(Broadcast.send_at <= now)
        .values(status=BroadcastStatus.SENDING, started_at=now, undo_until=None)
        .execution_options(synchronize_session=False)
    )
    if not rowcount(moved):
        return 0  # undone, cancelled or started meanwhile
    broadcast = session.get(Broadcast, broadcast_id, populate_existing=True)
    assert broadcast is not None
    audience = segment.Audience.from_json(broadcast.audience)
    broadcast.recipient_count = segment.snapshot(session, broadcast.id, audience)
    why = approval.reason_to_hold(session, broadcast, broadcast.recipient_count, settings, now)
    if why is not None:
        approval.hold(session, broadcast, why, now)
        log.info("broadcast %s held for approval: %s", broadcast.id, why["reason"])
        return 0
    if broadcast.recipient_count == 0:
        broadcast.status, broadcast.finished_at = BroadcastStatus.SENT, now
        broadcast.note = "nobody was in the segment when it started"
    details = {"broadcast": broadcast.id, "recipients": broadcast.recipient_count}
    audit(session, None, "broadcast.start", details, now)
    log.info("broadcast %s started: %s recipients", broadcast.id, broadcast.recipient_count)
    return 1


def feed_budget(session: Session, settings: Settings) -> int:
    """How many more broadcast rows the outbox may hold now."""
    ahead = math.ceil(settings.sender.rate_per_second * settings.broadcasts.feed_ahead_seconds)
    pending = session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.kind == OutboxKind.BROADCAST
        )
    )
    return max(ahead, 1) - int(pending or 0)


def feed(
    session: Session,
    settings: Settings,
    now: datetime,
    limit: int,
    quiet: Sequence[str] | None = None,
) -> tuple[int, int]:
    """Queue up to ``limit`` waiting recipients; (rows queued, recipients skipped).

    ``quiet``: the time zones in quiet hours, if the caller knows them already.
    """
    if quiet is None:
        quiet = quiet_zones(session, settings, now)
    for broadcast in session.scalars(
        select(Broadcast)
        .where(Broadcast.status == BroadcastStatus.SENDING)
        .order_by(Broadcast.started_at, Broadcast.id)
    ):
        # Compare-and-set first: it takes the broadcast's row (and SQLite's write
        # lock), so a cancel cannot slip in between what is read and written.
        claimed = session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast.id, Broadcast.status == BroadcastStatus.SENDING)
            .values(status=BroadcastStatus.SENDING)
            .execution_options(synchronize_session=False)
        )
        if not rowcount(claimed):
            continue
        batch = _waiting(session, broadcast.id, quiet, limit)
        if batch:
            return _queue(session, broadcast, batch, settings, now)
    return 0, 0


def quiet_zones(session: Session, settings: Settings, now: datetime) -> list[str]:
    """Learners' time zones in quiet hours now or by the end of the feed's horizon."""
    horizon = now + timedelta(seconds=settings.broadcasts.feed_ahead_seconds)
    zones = []
    for tz in session.scalars(select(Learner.timezone).distinct()):
        try:
            quiet = any(
                is_quiet(
                    moment,
                    tz or DEFAULT_TIMEZONE,
                    settings.schedule.quiet_start,
                    settings.schedule.quiet_end,
                )
                for moment in (now, horizon)
            )
        except ScheduleError:
            quiet = is_quiet(
                now, DEFAULT_TIMEZONE, settings.schedule.quiet_start, settings.schedule.quiet_end
            )
        if quiet:
            zones.append(tz)
    return zones


def _waiting(
    session: Session, broadcast_id: int, quiet: Sequence[str], limit: int
) -> Sequence[LearnerRow]:
    query = (
        select(
            Learner.id,
            Learner.public_id,
            Learner.status,
            Learner.language,
            Learner.channel,
            Learner.profile_name,
            Learner.last_inbound_at,
        )
        .join(BroadcastRecipient, BroadcastRecipient.learner_id == Learner.id)
        .where(BroadcastRecipient.broadcast_id == broadcast_id)
        .where(BroadcastRecipient.state == RecipientState.WAITING)
        .order_by(BroadcastRecipient.learner_id)
        .limit(limit)
    )
    if quiet:
        query = query.where(Learner.timezone.not_in(quiet))
    return session.execute(query).all()


def _queue(
    session: Session,
    broadcast: Broadcast,
    batch: Sequence[LearnerRow],
    settings: Settings,
    now: datetime,
) -> tuple[int, int]:
    draft = Draft.from_broadcast(broadcast)
    cutoff = window_cutoff(now)
    prefix = broadcast.key_prefix
    # (route, text language, skip reason) -> the learners it applies to
    outcomes: defaultdict[tuple[Route, str | None, SkipReason | None], list[int]] = defaultdict(
        list
    )
    # (route, text language, text) -> the learners who get exactly that message
    same_message: defaultdict[tuple[Route, str, str], list[LearnerRow]] = defaultdict(list)
    for learner in batch:
        language = draft.text_language(learner.language, settings.languages.default)
        is_open = learner.last_inbound_at is not None and learner.last_inbound_at > cutoff
        route = choose_route(learner.channel, is_open, language, settings)
        reason = (
            SkipReason.UNREACHABLE
            if learner.status in UNREACHABLE
            else SkipReason.NO_TEXT
            if language is None
            else SkipReason.WINDOW_CLOSED
            if route == Route.NONE
            else None
        )
        outcomes[route, language, reason].append(learner.id)
        if reason is None and language is not None:
            text = draft.message_for(language, first_name(learner.profile_name))
            same_message[route, language, text].append(learner)
    outbox_ids = _write_rows(session, prefix, same_message, settings, now)
    updates = []
    for (route, language, reason), learner_ids in outcomes.items():
        for learner_id in learner_ids:
            outbox_id = outbox_ids.get(learner_id)
            updates.append(
                {
                    "b_id": broadcast.id,
                    "l_id": learner_id,
                    "new_state": RecipientState.QUEUED if outbox_id else RecipientState.SKIPPED,
                    "new_route": route,
                    "new_language": language,
                    "new_reason": reason,
                    "new_outbox_id": outbox_id,
                    "new_queued_at": now if outbox_id else None,
                }
            )
    _record_outcomes(session, updates)
    return len(outbox_ids), len(updates) - len(outbox_ids)


def _record_outcomes(session: Session, updates: list[dict[str, Any]]) -> None:
    """Write each recipient's outcome: one statement on PostgreSQL, an executemany on SQLite.

    psycopg runs an executemany as one UPDATE per row (a third of the feed's
    time at 1,000 a batch); the rows sent as arrays and unnested in SQL are one
    statement whose plan does not depend on the batch.
    """
    if session.get_bind().dialect.name != "postgresql":
        session.execute(_SET_RECIPIENT, updates)  # in-process: cheap per row
        return
    arrays = [
        bindparam(f"{name}_all", [row[name] for row in updates], type_=postgresql.ARRAY(type_))
        for name, type_ in _OUTCOME_COLUMNS
    ]
    names = (name for name, _ in _OUTCOME_COLUMNS)
    given = func.unnest(*arrays).table_valued(*names).render_derived()
    session.execute(
        update(RECIPIENTS)
        .where(RECIPIENTS.c.broadcast_id == given.c.b_id)
        .where(RECIPIENTS.c.learner_id == given.c.l_id)
        .values(
            state=given.c.new_state,
            route=given.c.new_route,
            language=given.c.new_language,
            reason=given.c.new_reason,
            outbox_id=given.c.new_outbox_id,
            queued_at=given.c.new_queued_at,
        )
    )


def _write_rows(
    session: Session,
    prefix: str,
    same_message: dict[tuple[Route, str, str], list[LearnerRow]],
    settings: Settings,
    now: datetime,
) -> dict[int, int]:
    """Write the outbox rows; {learner id: outbox row id}, a row written before included."""
    groups = []
    for (route, language, text), learners in same_message.items():
        template = route == Route.WHATSAPP_TEMPLATE
        common = new_row(
            OutboxKind.BROADCAST,
            text,
            now,
            content_sid=settings.broadcast_template_sid(language) if template else None,
            content_variables=template_variables(text) if template else None,
            channel=ChannelName.SMS if route == Route.SMS_FALLBACK else None,
        )
        groups.append((common, learners))
    return write_many(session, prefix, groups)


def finish(session: Session, now: datetime) -> int:
    """Mark sent the broadcasts with nobody waiting and nothing pending in the outbox."""
    finished = 0
    for broadcast in session.scalars(
        select(Broadcast).where(Broadcast.status == BroadcastStatus.SENDING)
    ):
        waiting = select(BroadcastRecipient.learner_id).where(
            BroadcastRecipient.broadcast_id == broadcast.id,
            BroadcastRecipient.state == RecipientState.WAITING,
        )
        pending = (
            select(OutboxMessage.id)
            .join(BroadcastRecipient, BroadcastRecipient.outbox_id == OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.kind == OutboxKind.BROADCAST,
            )
            .where(BroadcastRecipient.broadcast_id == broadcast.id)
        )
        if session.scalar(waiting.limit(1)) is None and session.scalar(pending.limit(1)) is None:
            broadcast.status, broadcast.finished_at = BroadcastStatus.SENT, now
            audit(session, None, "broadcast.finish", {"broadcast": broadcast.id}, now)
            finished += 1
    return finished
