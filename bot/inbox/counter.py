"""The reply box's encoding and segment counter: bot.text.sms's rules, for the browser.

The page's script holds no table of its own: ``browser_rules`` hands it the
GSM-7 sets, the segment sizes, Python's whitespace and line breaks (the
sender drops blank lines and trailing spaces, ``bot.text.render``) and, for
learners whose SMS go accent-free, every character that rendering replaces.
``as_sent`` is what the counter must agree with: the reply as the sender
renders it, analysed by ``bot.text.sms``.
"""

from __future__ import annotations

import sys
import unicodedata
from functools import cache
from typing import Any

from bot.inbox.conversations import MAX_REPLY_CHARACTERS
from bot.text.render import ChannelName, Message, render
from bot.text.sms import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    MULTIPART_SEGMENT,
    SINGLE_SEGMENT,
    SmsInfo,
    analyse,
    gsm_replacement,
)

# What str.splitlines() breaks on ("\r\n" counts as one break).
_LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def as_sent(text: str, channel: str, language: str, accent_free: bool) -> tuple[str, SmsInfo]:
    """The reply as the learner's phone gets it, and what it costs as SMS."""
    body = render(Message(text=text.strip()), channel, language, accent_free)
    return body, analyse(body)


@cache
def _whitespace() -> str:
    return "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())


@cache
def _replacements() -> dict[str, str]:
    """Every character the accent-free rendering changes (only canonical decompositions can)."""
    found = {}
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        decomposition = unicodedata.decomposition(char)
        if decomposition and not decomposition.startswith("<"):
            replaced = gsm_replacement(char)
            if replaced != char:
                found[char] = replaced
    for char in "".join(chr(code) for code in range(0x2000, 0x2100)) + "\u00a0œŒ«»":
        replaced = gsm_replacement(char)
        if replaced != char:
            found[char] = replaced
    return found


def browser_rules(channel: str, language: str, accent_free: bool) -> dict[str, Any]:
    """The table the reply box's script counts with (a JSON data attribute)."""
    sms = channel == ChannelName.SMS
    return {
        "channel": str(channel),
        "basic": "".join(sorted(GSM7_BASIC)),
        "extension": "".join(sorted(GSM7_EXTENSION)),
        "single": dict(SINGLE_SEGMENT),
        "multipart": dict(MULTIPART_SEGMENT),
        "whitespace": _whitespace(),
        "lineBreaks": _LINE_BREAKS,
        "accentFree": sms and accent_free,
        "replacements": _replacements() if sms and accent_free else {},
        "max": MAX_REPLY_CHARACTERS,
    }
