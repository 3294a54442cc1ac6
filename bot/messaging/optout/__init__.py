"""Recognise a request to stop all messages in a learner's own words (es, en, fr, ht).

A missed opt-out is the worst failure of this bot: someone who asked to stop
keeps receiving messages. NLU is a statistical model, so a phrasing it has not
seen may get another intent or fall below the fallback threshold. The reader
here is the deterministic safety net beside it: patterns written from how
people ask to stop in the four languages (imperatives, "no more messages", "I
don't want to receive...", "unsubscribe me", Kreyòl "pa ... ankò"), not from
any test set.

- ``text``: how the patterns see a message (``normalise``).
- ``phrasings``: how people ask to stop; the outright requests.
- ``guards`` and ``reversals``: what else the same words may mean, and a stop
  turned round or taken back.
- ``reader``: ``is_opt_out``, built for precision (False when unsure: NLU decides).
- ``declines``: ``contradicts_stop``, NLU's stops the opt-out action declines
  by the same guards, answering with the way out instead.
- ``stopping_words``: ``speaks_of_stopping``, deliberately wide, which acts on
  nothing: it only decides whether an answer ends with the way out
  (nlu/actions/way_out.py); ``asks_to_leave``, the outright requests among
  them, after which the way out follows even an answer that settles the rest.

Wiring (``bot.messaging.keywords.asks_to_stop``): a message the reader reads
as an opt-out opts the learner out as it is stored (``bot.messaging.ingest``),
and the worker sends it to Rasa as ``/stop``, before NLU, as it does for the
STOP keyword. This package imports nothing from the rest of the project.

Regular expressions rather than a library: no maintained library reads opt-out
requests in Haitian Creole or Latin American SMS Spanish; each pattern is
tested (tests/messaging/test_optout.py and the sets beside it).
"""

from __future__ import annotations

from bot.messaging.optout.declines import contradicts_stop
from bot.messaging.optout.phrasings import FILLERS, KEYWORDS
from bot.messaging.optout.reader import is_opt_out
from bot.messaging.optout.stopping_words import asks_to_leave, speaks_of_stopping
from bot.messaging.optout.text import normalise

__all__ = [
    "FILLERS",
    "KEYWORDS",
    "asks_to_leave",
    "contradicts_stop",
    "is_opt_out",
    "normalise",
    "speaks_of_stopping",
]
