"""The local stand-in channel: `lessonbot up` without Twilio, and the simulator.

It "delivers" every message at once and keeps nothing: the outbox row (body,
status, segments) is what the simulator reads back. No number is logged.
Deleting a message deletes nothing (nothing was kept); the sids asked for are
remembered in ``deleted`` for the simulator and the tests. What it took is kept
in memory (``taken``), so that ``find_taken`` answers as the provider would.
"""

from __future__ import annotations

import logging
import secrets
from collections import deque
from datetime import datetime

from bot.messaging.channels import OutgoingMessage, SendResult
from bot.vocab import OutboxStatus

log = logging.getLogger(__name__)


# The latest messages remembered for ``find_taken``: a long simulator run stays small.
REMEMBERED = 1000


class LocalChannel:
    name = "local"

    def __init__(self) -> None:
        self.deleted: list[str] = []
        self.taken: deque[tuple[OutgoingMessage, SendResult]] = deque(maxlen=REMEMBERED)

    def send(self, message: OutgoingMessage) -> SendResult:
        sid = "LOCAL" + secrets.token_hex(14)
        log.debug("local channel: %s delivered as %s", message.reference, sid)
        result = SendResult(provider_sid=sid, status=OutboxStatus.DELIVERED)
        self.taken.append((message, result))
        return result

    def find_taken(self, message: OutgoingMessage, since: datetime) -> SendResult | None:
        """The same message taken before (``since`` needs no check: outbox keys are unique)."""
        for taken, result in reversed(self.taken):
            if taken == message:
                return result
        return None

    def delete_message(self, provider_sid: str) -> None:
        self.deleted.append(provider_sid)

    def close(self) -> None:
        """Nothing to release."""
