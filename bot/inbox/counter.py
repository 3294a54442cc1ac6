"""The reply box's encoding and segment counter: bot.text.sms's rules, for the browser.

The table itself is ``bot.text.sms_rules`` (shared with the broadcast compose
page) and the counting is ``bot/staff/static/sms_count.js``. ``as_sent`` is
what the counter must agree with: the reply as the sender renders it,
analysed by ``bot.text.sms``.
"""

from __future__ import annotations

from typing import Any

from bot.inbox.conversations import MAX_REPLY_CHARACTERS
from bot.text import sms_rules
from bot.text.render import Message, render
from bot.text.sms import SmsInfo, analyse


def as_sent(text: str, channel: str, language: str, accent_free: bool) -> tuple[str, SmsInfo]:
    """The reply as the learner's phone gets it, and what it costs as SMS."""
    body = render(Message(text=text.strip()), channel, language, accent_free)
    return body, analyse(body)


def browser_rules(channel: str, language: str, accent_free: bool) -> dict[str, Any]:
    """The table the reply box's script counts with (a JSON data attribute)."""
    return sms_rules.browser_rules(channel, accent_free, MAX_REPLY_CHARACTERS)
