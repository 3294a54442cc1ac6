"""SMS encoding and segment counting, the way Twilio splits a message.

A message is sent in GSM-7 when every character is in the GSM 03.38 basic
table or its extension table; otherwise the whole message goes as UCS-2.

- GSM-7: an extension-table character (``€ [ ] { } \\ ^ ~ |`` and form feed)
  is an escape plus a character, so it costs 2 septets. One segment holds 160
  septets; a multipart message holds 153 per segment (the rest of the 140
  bytes is the concatenation header), and an escape pair is never split.
- UCS-2: counted in UTF-16 code units, 70 in one segment, 67 per segment when
  multipart; a surrogate pair (an emoji, say) is never split.

Twilio's own calculator also keeps multi-code-point grapheme clusters (flags,
emoji with skin tones) in one segment; we do not, because the lesson checker
rejects emoji outright. We also do not emulate Twilio's "smart encoding": it
is a Messaging Service option we cannot rely on being switched on.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

SINGLE_SEGMENT: dict[Encoding, int] = {"GSM-7": 160, "UCS-2": 70}
MULTIPART_SEGMENT: dict[Encoding, int] = {"GSM-7": 153, "UCS-2": 67}

# Languages whose accent-free rendering is offered. Haitian Creole and English
# are left alone: their letters (è, ò, à) are GSM-7 already, and dropping the
# grave on a capital (È, Ò) would misspell Creole.
ACCENT_FREE_LANGUAGES = frozenset({"es", "fr"})

# Characters that decomposition alone cannot bring into GSM-7.
_ASCII_REPLACEMENTS = {
    "œ": "oe",
    "Œ": "OE",
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "«": '"',
    "»": '"',
    "‐": "-",
    "‑": "-",
    "–": "-",
    "—": "-",
    "…": "...",
    # French typography puts (narrow) no-break spaces before : ; ? !
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
}


@dataclass(frozen=True)
class SmsInfo:
    """What one SMS body costs."""

    encoding: Encoding
    characters: int  # Unicode code points, as a person would count them
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    non_gsm_chars: tuple[str, ...]  # the characters that forced UCS-2, in order


def is_gsm7(char: str) -> bool:
    return char in GSM7_BASIC or char in GSM7_EXTENSION


def non_gsm_chars(text: str) -> tuple[str, ...]:
    """The distinct characters of ``text`` outside GSM-7, in order of appearance."""
    return tuple(dict.fromkeys(char for char in text if not is_gsm7(char)))


def analyse(text: str) -> SmsInfo:
    """Encoding, size and segment count of ``text`` sent as one SMS."""
    forcing = non_gsm_chars(text)
    encoding: Encoding = "UCS-2" if forcing else "GSM-7"
    sizes = _unit_sizes(text, encoding)
    return SmsInfo(
        encoding=encoding,
        characters=len(text),
        units=sum(sizes),
        segments=len(_segment_lengths(sizes, encoding)),
        non_gsm_chars=forcing,
    )


def split_segments(text: str) -> list[str]:
    """The parts ``text`` is sent as (empty text: no parts)."""
    encoding: Encoding = "UCS-2" if non_gsm_chars(text) else "GSM-7"
    parts, start = [], 0
    for length in _segment_lengths(_unit_sizes(text, encoding), encoding):
        parts.append(text[start : start + length])
        start += length
    return parts


def _unit_sizes(text: str, encoding: Encoding) -> list[int]:
    """Units each character takes: what may not be split across segments."""
    if encoding == "GSM-7":
        return [2 if char in GSM7_EXTENSION else 1 for char in text]
    # Python strings hold code points, so a character above U+FFFF is one item
    # here and two UTF-16 units on the wire: it moves to the next segment whole.
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _segment_lengths(sizes: list[int], encoding: Encoding) -> list[int]:
    """How many characters go into each segment."""
    if not sizes:
        return []
    if sum(sizes) <= SINGLE_SEGMENT[encoding]:
        return [len(sizes)]
    capacity = MULTIPART_SEGMENT[encoding]
    lengths, used = [0], 0
    for size in sizes:
        if used + size > capacity:
            lengths.append(0)
            used = 0
        lengths[-1] += 1
        used += size
    return lengths


def strip_accents_for_gsm(text: str, language: str) -> str:
    """The accent-free rendering of Spanish or French text; other languages unchanged.

    Only characters outside GSM-7 are replaced (á→a, ç→c, œ→oe, typographic
    quotes and dashes → ASCII); é, è, ñ, ü, ¿, ¡, à, É, Ç... are GSM-7 and stay.
    """
    if language not in ACCENT_FREE_LANGUAGES:
        return text
    # A decomposed "e" + combining acute would otherwise lose its accent.
    return "".join(gsm_replacement(char) for char in unicodedata.normalize("NFC", text))


@cache
def gsm_replacement(char: str) -> str:
    """``char`` itself if GSM-7, else its closest GSM-7 spelling, else ``char``."""
    if is_gsm7(char):
        return char
    if char in _ASCII_REPLACEMENTS:
        return _ASCII_REPLACEMENTS[char]
    base = "".join(
        part for part in unicodedata.normalize("NFD", char) if not unicodedata.combining(part)
    )
    if base and all(is_gsm7(part) for part in base):
        return base
    return char
