"""A WhatsApp tap, read as the text the learner would have typed (before and without NLU).

A button or list item posts back its id (``c:<key>:<n>``, see
``bot.text.choices``) and, usually, the message it was under. What the tap
means depends on that message:

- the learner's latest message with a choice (the question now waiting for
  an answer): the option's number, as if typed ("2"), which the worker sends
  to Rasa as ``/choose_option{"option": "2"}`` without NLU;
- an older message (the learner scrolled up): the option's own text, as if
  typed now, so that it gets the answer typing it would get;
- a keyword menu: the keyword ("SIGUIENTE"), old or new.

A tap that matches none of the learner's messages (an id from elsewhere, a
message purged since) is read as an empty message: the bot answers it with its
menu, in the learner's language, as it answers a message with nothing to read.
"""

from __future__ import annotations

import logging

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.messaging.content import row_choice
from bot.models import Learner, OutboxMessage
from bot.text.choices import read_payload

log = logging.getLogger(__name__)

# How far back a tap is looked for among the learner's messages with a choice.
RECENT_CHOICES = 50
UNREADABLE_TAP = ""


def typed_for_tap(
    session: Session,
    learner_id: int,
    payload: str,
    tapped_message_sid: str | None,
    default_language: str,
) -> str:
    """The text a tap stands for; ``UNREADABLE_TAP`` if it matches no message of the learner's.

    ``default_language``: the one the sender showed the choice in to a learner
    who had none yet (the language menu).
    """
    tap = read_payload(payload)
    learner = session.get(Learner, learner_id)
    if tap is None or learner is None:
        log.info("a tap with an id that is not ours: answered as an empty message")
        return UNREADABLE_TAP
    rows = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.learner_id == learner_id,
            or_(OutboxMessage.options.is_not(None), OutboxMessage.keywords.is_not(None)),
        )
        .order_by(OutboxMessage.id.desc())
        .limit(RECENT_CHOICES)
    ).all()
    language = learner.language or default_language
    tapped = None
    if tapped_message_sid:
        tapped = next((row for row in rows if row.provider_sid == tapped_message_sid), None)
    if tapped is None:
        tapped = next((row for row in rows if _key(row, language) == tap.key), None)
    if tapped is None or _key(tapped, language) != tap.key:
        log.info("a tap on %s matches none of its recent messages", learner.public_id)
        return UNREADABLE_TAP
    if tapped.keywords:
        if tap.number > len(tapped.keywords):
            return UNREADABLE_TAP
        return str(tapped.keywords[tap.number - 1][0])
    options = tapped.options or []
    if tap.number > len(options):
        return UNREADABLE_TAP
    if tapped.id == rows[0].id:
        return str(tap.number)
    return str(options[tap.number - 1])


def _key(row: OutboxMessage, language: str) -> str | None:
    choice = row_choice(row, language)
    return None if choice is None else choice.key
