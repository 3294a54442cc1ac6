"""One logical message, rendered as the text each channel sends.

Actions produce a ``Message`` (text plus option labels, already translated;
a lesson's come from ``lessons.render``); the sender renders it for the
learner's channel just before sending:

- SMS: compact (no blank lines, every character costs), options as
  "1 label" lines and a "Reply 1, 2 or 3" footer. With ``accent_free`` the
  Spanish and French text is kept in GSM-7 (see ``bot.text.sms``).
- WhatsApp: the title in *bold*, blank lines between blocks, options as
  "1. label" lines and the same footer, so a learner can always answer by
  number even where quick replies are not shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from bot.text.i18n import gettext_for
from bot.text.sms import strip_accents_for_gsm


class ChannelName(StrEnum):
    """The channels a learner writes and is written on."""

    SMS = "sms"
    WHATSAPP = "whatsapp"


@dataclass(frozen=True)
class Message:
    """A message in the learner's language, before channel formatting."""

    text: str
    options: tuple[str, ...] = ()
    # Shown on its own first line; bold on WhatsApp. Empty for most messages.
    title: str = ""
    # Short titles for WhatsApp's buttons, one per option ("" where the
    # option's own text is the title): see bot.text.choices.
    buttons: tuple[str, ...] = ()


def render(message: Message, channel: str, language: str, accent_free: bool = False) -> str:
    """The exact text sent to the learner on ``channel``."""
    _ = gettext_for(language)
    if channel == ChannelName.SMS:
        text = _render_sms(message, _)
        return strip_accents_for_gsm(text, language) if accent_free else text
    if channel == ChannelName.WHATSAPP:
        return _render_whatsapp(message, _)
    names = ", ".join(ChannelName)
    raise ValueError(f"unknown channel {channel!r} (expected one of {names})")


def reply_hint(count: int, _: Callable[[str], str]) -> str:
    """The footer telling the learner which numbers they can answer with."""
    # Whole sentences rather than a joined list: translators see the real text
    # and each language joins lists its own way ("1, 2 o 3", "1, 2 oswa 3").
    if count == 1:
        return _("Reply 1")
    if count == 2:
        return _("Reply 1 or 2")
    if count == 3:
        return _("Reply 1, 2 or 3")
    if count == 4:
        return _("Reply 1, 2, 3 or 4")
    return _("Reply with a number from 1 to %(last)d") % {"last": count}


def _render_sms(message: Message, _: Callable[[str], str]) -> str:
    lines = [message.title, *message.text.splitlines()]
    lines += [f"{number} {option}" for number, option in enumerate(message.options, 1)]
    if message.options:
        lines.append(reply_hint(len(message.options), _))
    # Blank lines and trailing spaces cost a segment's worth of nothing useful.
    return "\n".join(line.rstrip() for line in lines if line.strip())


def _render_whatsapp(message: Message, _: Callable[[str], str]) -> str:
    head = f"*{message.title}*\n{message.text}" if message.title else message.text
    blocks = [head.strip()]
    if message.options:
        blocks.append(
            "\n".join(f"{number}. {option}" for number, option in enumerate(message.options, 1))
        )
        blocks.append(reply_hint(len(message.options), _))
    return "\n\n".join(blocks)
