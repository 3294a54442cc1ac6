"""The replies a turn produced: the custom actions' payloads, read from Rasa's answer."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.vocab import OutboxKind

log = logging.getLogger(__name__)

# The payload of a learner's message that went to staff (bot.inbox) and that
# the bot does not answer: Rasa's answer is not empty (the worker takes an
# empty answer for a failed action), yet it makes no outbox row.
HANDOFF_FORWARDED = "handoff_forwarded"


@dataclass(frozen=True)
class Reply:
    """One message for a learner, as a custom action rendered it (docs/CONTRACTS.md)."""

    text: str
    options: tuple[str, ...] = ()
    # WhatsApp only (bot.text.choices): short titles for the options' buttons
    # ("" where the option's text is the title), and a keyword menu's
    # (keyword, what it does) pairs, to tap instead of typing.
    buttons: tuple[str, ...] = ()
    keywords: tuple[tuple[str, str], ...] = ()
    kind: OutboxKind = OutboxKind.REPLY
    allow_when_opted_out: bool = False
    # A WhatsApp template instead of free text (outside the 24-hour window).
    content_sid: str | None = None
    content_variables: dict[str, Any] | None = None


def replies_from_rasa(messages: list[dict[str, Any]]) -> list[Reply]:
    """The replies in Rasa's answer: custom payloads, or plain text from any other action."""
    replies = []
    for message in messages:
        custom = message.get("custom")
        if isinstance(custom, dict) and custom.get("kind") == HANDOFF_FORWARDED:
            continue
        if isinstance(custom, dict) and isinstance(custom.get("text"), str):
            replies.append(
                Reply(
                    text=custom["text"],
                    options=tuple(str(option) for option in custom.get("options") or ()),
                    buttons=tuple(str(label) for label in custom.get("buttons") or ()),
                    keywords=_keywords(custom.get("keywords")),
                    kind=_kind(custom.get("kind")),
                    allow_when_opted_out=custom.get("allow_when_opted_out") is True,
                )
            )
        elif isinstance(message.get("text"), str) and message["text"].strip():
            buttons = message.get("buttons") or ()
            titles = tuple(str(b.get("title")) for b in buttons if isinstance(b, dict))
            replies.append(Reply(text=message["text"], options=titles))
    return replies


def _keywords(value: object) -> tuple[tuple[str, str], ...]:
    """A keyword menu's pairs; anything else in their place is ignored (and logged)."""
    if not value:
        return ()
    if isinstance(value, list) and all(
        isinstance(pair, list | tuple) and len(pair) == 2 for pair in value
    ):
        return tuple((str(word), str(what)) for word, what in value)
    log.error("an action sent keywords that are not (keyword, description) pairs: ignored")
    return ()


def _kind(value: object) -> OutboxKind:
    """The payload's kind; an action's unknown kind is sent as a plain reply (and logged)."""
    try:
        return OutboxKind(str(value or OutboxKind.REPLY))
    except ValueError:
        log.error("an action sent a message of unknown kind %r: sent as a reply", value)
        return OutboxKind.REPLY
