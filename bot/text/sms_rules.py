"""bot.text.sms's rules for the browser: the table the pages' SMS counters count with.

The pages' script (``bot/staff/static/sms_count.js``) holds no table of its
own: ``browser_rules`` hands it the GSM-7 sets, the segment sizes, Python's
whitespace and line breaks (the sender drops blank lines and trailing spaces,
``bot.text.render``) and, for SMS that go accent-free, every character that
rendering replaces. The inbox's reply box and the broadcast compose page both
use it, so a counter agrees with ``bot.text.sms.analyse`` of the text as sent.
"""

from __future__ import annotations

import sys
import unicodedata
from functools import cache
from typing import Any

from bot.text.render import ChannelName
from bot.text.sms import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    MULTIPART_SEGMENT,
    SINGLE_SEGMENT,
    gsm_replacement,
)

# What str.splitlines() breaks on ("\r\n" counts as one break).
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


@cache
def _whitespace() -> str:
    return "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace())


@cache
def replacements() -> dict[str, str]:
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


def browser_rules(channel: str, accent_free: bool, max_characters: int) -> dict[str, Any]:
    """The table a page's counter script counts with (a JSON data attribute).

    ``replacements`` is filled whenever accent-free SMS are possible, so a page
    can count a text both ways; ``accentFree`` says how it is sent by default.
    """
    sms = channel == ChannelName.SMS
    return {
        "channel": str(channel),
        "basic": "".join(sorted(GSM7_BASIC)),
        "extension": "".join(sorted(GSM7_EXTENSION)),
        "single": dict(SINGLE_SEGMENT),
        "multipart": dict(MULTIPART_SEGMENT),
        "whitespace": _whitespace(),
        "lineBreaks": LINE_BREAKS,
        "accentFree": sms and accent_free,
        "replacements": replacements() if sms and accent_free else {},
        "max": max_characters,
    }
