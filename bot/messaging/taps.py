"""A WhatsApp tap, read as the text the learner would have typed (before and without NLU).

A button or list item posts back its id (``c:<key>:<n>``, see
``bot.text.choices``) and, usually, the message it was under; the sender
recorded on each message the key of the buttons it went with
(``OutboxMessage.choice_key``). What the tap means depends on that message:

- the question waiting for an answer (the learner's latest message with
  options that reached them; a keyword menu shown since does not count): the
  option's number, as if typed ("2"), which the worker sends to Rasa as
  ``/choose_option{"option": "2"}`` without NLU;
- an older message (the learner scrolled up): the option's own text, as if
  typed now, so that it gets the answer typing it would get;
- a keyword menu: the keyword ("SIGUIENTE"), old or new.

A tap that matches none of the learner's messages (an id from elsewhere, a
message purged since) is read as the menu keyword: the learner gets the menu,
in their language, and sees what they can write or tap.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.messaging.keywords import asks_to_stop
from bot.models import Learner, OutboxMessage
from bot.text.choices import read_payload
from bot.vocab import OutboxStatus

log = logging.getLogger(__name__)

# How far back a tap is looked for among the learner's messages with buttons.
RECENT_CHOICES = 50
# What a tap that matches nothing stands for: the menu keyword, which every
# language's learner may write (bot.messaging.keywords) and which shows the menu.
TAP_NOT_FOUND = "MENU"
# Messages the learner has not seen (not sent yet, or never arrived): not the question waiting.
_NOT_SHOWN = (OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.UNDELIVERED)


def typed_for_tap(
    session: Session, learner_id: int, payload: str, tapped_message_sid: str | None
) -> str:
    """The text a tap stands for; ``TAP_NOT_FOUND`` if it matches no message of the learner's."""
    tap = read_payload(payload)
    learner = session.get(Learner, learner_id)
    if tap is None or learner is None:
        log.info("a tap with an id that is not ours: answered with the menu")
        return TAP_NOT_FOUND
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.learner_id == learner_id, OutboxMessage.choice_key.is_not(None))
        .order_by(OutboxMessage.id.desc())
        .limit(RECENT_CHOICES)
    ).all()
    mine = [row for row in rows if row.choice_key == tap.key]
    tapped = next((row for row in mine if row.provider_sid == tapped_message_sid), None)
    if tapped is None and mine:
        tapped = mine[0]
    if tapped is None:
        log.info("a tap of %s matches none of their recent messages", learner.public_id)
        return TAP_NOT_FOUND
    if tapped.keywords:
        if tap.number > len(tapped.keywords):
            return TAP_NOT_FOUND
        return str(tapped.keywords[tap.number - 1][0])
    options = tapped.options or []
    if tap.number > len(options):
        return TAP_NOT_FOUND
    if tapped.id == _waiting(rows):
        return str(tap.number)
    text = str(options[tap.number - 1])
    if asks_to_stop(text):
        # A tap on an answer never opts a learner out (only the menu's STOP
        # keyword does), even where an option's words would read as "stop".
        log.warning("an old option of %s reads as an opt-out: answered with the menu", tapped.id)
        return TAP_NOT_FOUND
    return text


def _waiting(rows: Sequence[OutboxMessage]) -> int | None:
    """The id of the question waiting for an answer: the latest one the learner got.

    A keyword menu shown since (MENU) does not replace it, nor does a message
    that never reached the phone.
    """
    for row in rows:
        if row.options and row.status not in _NOT_SHOWN:
            return row.id
    return None
