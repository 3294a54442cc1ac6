"""How far a broadcast has got: the follow page's counts and the recipients' CSV.

Counts come from the recipients joined to their outbox rows, so they move as
the sender sends and as Twilio's status callbacks arrive. The CSV names each
recipient by pseudonymous id only: no number, no name, no text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.broadcasts.models import Broadcast, BroadcastRecipient, RecipientState
from bot.db import session_scope
from bot.models import Learner, OutboxMessage
from bot.vocab import FailureReason, LearnerStatus, OutboxStatus

CSV_BATCH = 2000
CSV_HEADER = (
    "public_id",
    "language",
    "route",
    "state",
    "status",
    "error_code",
    "queued_at",
    "sent_at",
    "status_updated_at",
)


@dataclass(frozen=True)
class Progress:
    recipients: int = 0
    waiting: int = 0  # not in the outbox yet (feed ahead, quiet hours)
    queued: int = 0  # in the outbox, or accepted by Twilio
    queued_here: int = 0  # of those, still in our outbox
    sent: int = 0
    delivered: int = 0
    read: int = 0
    failed: int = 0
    cancelled: int = 0
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> recipients
    failures: dict[str, int] = field(default_factory=dict)  # failure reason -> messages
    opted_out_since: int = 0

    @property
    def handled(self) -> int:
        """Recipients whose message left our hands (or never will)."""
        pending = self.waiting + self.queued_here
        return self.recipients - pending

    @property
    def percent(self) -> int:
        return round(100 * self.handled / self.recipients) if self.recipients else 100


def progress(session: Session, broadcast: Broadcast) -> Progress:
    query = (
        select(
            BroadcastRecipient.state,
            BroadcastRecipient.reason,
            OutboxMessage.status,
            OutboxMessage.failure_reason,
            func.count(),
        )
        .outerjoin(OutboxMessage, OutboxMessage.id == BroadcastRecipient.outbox_id)
        .where(BroadcastRecipient.broadcast_id == broadcast.id)
        .group_by(
            BroadcastRecipient.state,
            BroadcastRecipient.reason,
            OutboxMessage.status,
            OutboxMessage.failure_reason,
        )
    )
    counts: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    for state, reason, status, failure, number in session.execute(query):
        counts["recipients"] += number
        if state in (RecipientState.WAITING, RecipientState.CANCELLED):
            counts[state] += number
        elif state == RecipientState.SKIPPED:
            skipped[reason or "unknown"] += number
        elif failure == FailureReason.CANCELLED:
            counts["stopped"] += number  # queued, then stopped by the cancel
        elif status in (OutboxStatus.PENDING, OutboxStatus.QUEUED):
            counts["queued"] += number
            counts["queued_here"] += number if status == OutboxStatus.PENDING else 0
        elif status in (OutboxStatus.FAILED, OutboxStatus.UNDELIVERED):
            counts["failed"] += number
            failures[failure or FailureReason.PROVIDER_ERROR] += number
        elif status is not None:
            counts[status] += number
    return Progress(
        recipients=counts["recipients"],
        waiting=counts[RecipientState.WAITING],
        queued=counts["queued"],
        queued_here=counts["queued_here"],
        sent=counts[OutboxStatus.SENT],
        delivered=counts[OutboxStatus.DELIVERED],
        read=counts[OutboxStatus.READ],
        failed=counts["failed"],
        cancelled=counts[RecipientState.CANCELLED] + counts["stopped"],
        skipped=dict(skipped),
        failures=dict(failures.most_common()),
        opted_out_since=opted_out_since(session, broadcast),
    )


def opted_out_since(session: Session, broadcast: Broadcast) -> int:
    """Recipients who have said STOP (or erased their data) since it started."""
    if broadcast.started_at is None:
        return 0
    query = (
        select(func.count())
        .select_from(BroadcastRecipient)
        .join(Learner, Learner.id == BroadcastRecipient.learner_id)
        .where(BroadcastRecipient.broadcast_id == broadcast.id)
        .where(Learner.status.in_((LearnerStatus.OPTED_OUT, LearnerStatus.ERASED)))
        .where(Learner.opted_out_at >= broadcast.started_at)
    )
    return int(session.scalar(query) or 0)


def recipient_rows(sessions: sessionmaker[Session], broadcast_id: int) -> Iterator[list[str]]:
    """The recipients' CSV rows, read in batches (a short transaction each)."""
    yield list(CSV_HEADER)
    after = 0
    while True:
        with session_scope(sessions) as session:
            batch = session.execute(
                select(
                    BroadcastRecipient.learner_id,
                    Learner.public_id,
                    BroadcastRecipient.language,
                    BroadcastRecipient.route,
                    BroadcastRecipient.state,
                    BroadcastRecipient.reason,
                    OutboxMessage.status,
                    OutboxMessage.error_code,
                    BroadcastRecipient.queued_at,
                    OutboxMessage.sent_at,
                    OutboxMessage.status_updated_at,
                )
                .join(Learner, Learner.id == BroadcastRecipient.learner_id)
                .outerjoin(OutboxMessage, OutboxMessage.id == BroadcastRecipient.outbox_id)
                .where(BroadcastRecipient.broadcast_id == broadcast_id)
                .where(BroadcastRecipient.learner_id > after)
                .order_by(BroadcastRecipient.learner_id)
                .limit(CSV_BATCH)
            ).all()
        if not batch:
            return
        for row in batch:
            state = row.state if row.state != RecipientState.SKIPPED else f"skipped:{row.reason}"
            yield [
                row.public_id,
                row.language or "",
                row.route or "",
                state,
                row.status or "",
                str(row.error_code or ""),
                _iso(row.queued_at),
                _iso(row.sent_at),
                _iso(row.status_updated_at),
            ]
        after = batch[-1].learner_id


def _iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""
