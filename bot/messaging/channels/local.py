"""The local stand-in channel: `lessonbot up` without Twilio, and the simulator.

It "delivers" every message at once and keeps nothing: the outbox row (body,
status, segments) is what the simulator reads back. No number is logged.
Deleting a message deletes nothing (nothing was kept); the sids asked for are
remembered in ``deleted`` for the simulator and the tests.
"""

from __future__ import annotations

import logging
import secrets

from bot.messaging.channels import OutgoingMessage, SendResult
from bot.vocab import OutboxStatus

log = logging.getLogger(__name__)


class LocalChannel:
    name = "local"

    def __init__(self) -> None:
        self.deleted: list[str] = []

    def send(self, message: OutgoingMessage) -> SendResult:
        sid = "LOCAL" + secrets.token_hex(14)
        log.debug("local channel: %s delivered as %s", message.reference, sid)
        return SendResult(provider_sid=sid, status=OutboxStatus.DELIVERED)

    def delete_message(self, provider_sid: str) -> None:
        self.deleted.append(provider_sid)

    def close(self) -> None:
        """Nothing to release."""
