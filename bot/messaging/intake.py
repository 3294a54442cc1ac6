"""What the webhooks do with a validated request: store it, or spool it if the database stalls.

Twilio waits 15 s for a webhook and, unless the number's webhook URL says
otherwise (connection overrides), retries neither an inbound message nor a
status callback that got a 5xx or timed out: an answer it never got is a
message lost. So the store gets ``webhook.store_timeout_seconds`` (its
session's lock waits are that short too: ``bot.db.make_engine``), and when
it does not make it the request goes to the spool (``bot.messaging.spool``)
and Twilio gets its 200. ``bot.messaging.replay`` stores the spool later,
once per MessageSid for messages, forward-only for statuses.

After one timeout the next requests go straight to the spool for the same
length of time (then one tries the database again): while the database is
stalled, every request would otherwise hold a web thread for the whole
timeout, and Twilio's requests would queue behind them past its 15 s.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict
from datetime import datetime
from enum import StrEnum

from sqlalchemy.exc import OperationalError

from bot.db import make_engine, make_session_factory, session_scope
from bot.messaging.channels.twilio import StatusReport
from bot.messaging.inbound import InboundSms
from bot.messaging.ingest import GroupCommit, StoreTimeout
from bot.messaging.spool import Spool
from bot.messaging.status import apply_status_callback
from bot.ops.tally import DELIVERY_REPORTS, MESSAGES_RECEIVED, TALLY
from bot.settings import Settings

log = logging.getLogger(__name__)

INBOUND = "inbound"
STATUS = "status"


class Intake(StrEnum):
    STORED = "stored"
    REPEATED = "repeated"  # its MessageSid was stored before
    SPOOLED = "spooled"


class Stall:
    """Remembers, per process, that the database just missed a webhook's deadline."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._until = 0.0
        self._lock = threading.Lock()

    def ongoing(self) -> bool:
        with self._lock:
            return time.monotonic() < self._until

    def seen(self) -> None:
        with self._lock:
            self._until = time.monotonic() + self._seconds


class WebhookIntake:
    """Stores the webhooks' requests in time, or keeps them in the spool."""

    def __init__(self, settings: Settings) -> None:
        # An engine of its own: its lock waits end at the store's deadline.
        self._engine = make_engine(
            settings.app.database_url, settings.webhook.store_timeout_seconds
        )
        self.sessions = make_session_factory(self._engine)
        self._group = GroupCommit(self.sessions, settings)
        self.spool = Spool(settings.spool_path, settings.secrets.phone_encryption_key)
        self.stall = Stall(settings.webhook.store_timeout_seconds)

    def close(self) -> None:
        self._engine.dispose()

    def inbound(self, message: InboundSms, now: datetime) -> Intake:
        intake = self._inbound(message, now)
        TALLY.count(MESSAGES_RECEIVED, channel=message.channel.value, intake=intake.value)
        return intake

    def _inbound(self, message: InboundSms, now: datetime) -> Intake:
        if not self.stall.ongoing():
            try:
                stored = self._group.store(message, now)
                return Intake.STORED if stored else Intake.REPEATED
            except (StoreTimeout, OperationalError) as error:
                self._stalled("inbound message", error)
        self.spool.put(INBOUND, now, asdict(message))
        return Intake.SPOOLED

    def status(self, report: StatusReport, now: datetime, reference: str | None) -> Intake:
        # The app's status word ("unknown" for one it does not know) and the provider's code.
        status = report.status.value if report.status is not None else "unknown"
        code = "" if report.code is None else str(report.code)
        TALLY.count(DELIVERY_REPORTS, status=status, error_code=code)
        if not self.stall.ongoing():
            try:
                with session_scope(self.sessions) as session:
                    apply_status_callback(session, report, now, reference=reference)
                return Intake.STORED
            except OperationalError as error:
                self._stalled("status callback", error)
        self.spool.put(STATUS, now, status_fields(report, reference))
        return Intake.SPOOLED

    def _stalled(self, what: str, error: Exception) -> None:
        self.stall.seen()
        # The error's text may quote the statement's values: name its type only.
        log.warning("database stalled (%s): %s spooled", type(error).__name__, what)


def status_fields(report: StatusReport, reference: str | None) -> dict[str, object]:
    """What the replay needs to apply a status callback again (``status_report``'s inputs)."""
    return {
        "message_sid": report.message_sid,
        "provider_status": report.provider_status,
        "code": report.code,
        "reference": reference,
    }
