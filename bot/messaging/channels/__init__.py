"""The channel interface: how an outbox row leaves the app.

Twilio is the real channel; the local one stands in for `lessonbot up` without a
Twilio account and for the simulator. Both take an ``OutgoingMessage`` and
either return a ``SendResult`` or raise ``ChannelError``, which says why in
the app's words (a ``FailureReason``) and whether trying again later could
help. The provider's own vocabulary (Twilio's error codes and statuses) stays
inside its channel module; the rest of the app reads only the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.settings import Settings
from bot.vocab import ChannelName, FailureReason, OutboxStatus


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one phone. ``to`` is E.164; never log it unredacted."""

    to: str = field(repr=False)
    channel: ChannelName
    body: str | None = None
    # A WhatsApp template (Twilio Content API) instead of a free-text body.
    content_sid: str | None = None
    content_variables: dict[str, Any] | None = None
    # The text a Content resource shows when it holds the whole message
    # (WhatsApp buttons, bot.text.choices): how it is recognised at the provider.
    content_text: str | None = field(default=None, repr=False)
    # The outbox idempotency key, so that logs can name the message.
    reference: str = ""


@dataclass(frozen=True)
class SendResult:
    provider_sid: str
    status: OutboxStatus


class ChannelError(Exception):
    """The provider did not take the message, for ``reason``.

    ``retryable`` is true for rate limits, server errors and timeouts: the same
    message may go through later. Otherwise the message will never go through
    as it is. ``code`` is the provider's own error code, if it gave one: kept
    for staff to look up, never interpreted outside the channel.
    ``maybe_taken``: the request may have reached the provider and created the
    message all the same (a timeout waiting for the answer, a dropped
    connection, a server error): it is looked up before it is sent again.
    """

    def __init__(
        self,
        reason: FailureReason,
        message: str,
        *,
        retryable: bool,
        code: int | None = None,
        retry_after: float | None = None,
        maybe_taken: bool = False,
    ) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.reason = reason
        self.code = code
        self.message = message
        self.retryable = retryable
        # Seconds the provider asked us to wait (HTTP Retry-After), if any.
        self.retry_after = retry_after
        self.maybe_taken = maybe_taken


class Channel(Protocol):
    name: str

    def send(self, message: OutgoingMessage) -> SendResult: ...

    def find_taken(self, message: OutgoingMessage, since: datetime) -> SendResult | None:
        """The provider's record of ``message`` if it took it at ``since`` or later, else None.

        Asked before sending again a message whose sender died after handing it
        over (naive UTC ``since``). Raises ``ChannelError`` when the provider
        cannot tell (the caller tries again later rather than risk a duplicate).
        """
        ...

    def delete_message(self, provider_sid: str) -> None:
        """Delete the provider's record of a message, sent or received (a learner's erasure).

        Returns when the record is gone, also when it was gone already; raises
        ``ChannelError`` otherwise (the caller tries again later).
        """
        ...

    def close(self) -> None: ...


def make_channel(settings: Settings) -> Channel:
    """Twilio when its credentials are set, else the local stand-in."""
    if settings.channel_name == "twilio":
        from bot.messaging.channels.twilio import TwilioChannel

        return TwilioChannel(settings)
    from bot.messaging.channels.local import LocalChannel

    return LocalChannel()
