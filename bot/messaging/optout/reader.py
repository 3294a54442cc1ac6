"""The opt-out reader: a request to stop all messages, read before NLU.

Built for precision: it stays silent (and leaves the message to NLU) when the
message also speaks of a pause or a time of day, a mistake, leaving a place,
part of the messages, something else to stop, or negates the verb itself
(``guards``, ``reversals``).
"""

from __future__ import annotations

from bot.messaging.optout.guards import (
    CALLS,
    DATA_STORE,
    EVEN_ON_A_DAY,
    GREETING,
    HABIT,
    LEFT_FOR_ELSEWHERE,
    NEW_PHONE,
    PAUSE_OR_TIME,
    asks_about_a_word,
    asks_for_part,
    how_to_stop_someone_elses,
    how_to_stop_something_else,
)
from bot.messaging.optout.phrasings import (
    FILLERS,
    JOINED,
    KEYWORDS,
    OPT_OUT,
    SPANISH_VERBS,
    STOP_WRITING,
    asks_outright,
)
from bot.messaging.optout.reversals import takes_it_back, turned_round
from bot.messaging.optout.text import normalise, spelled_out


def is_opt_out(text: str) -> bool:
    """Whether the message asks to stop all messages (False when unsure: NLU decides)."""
    words = spelled_out(normalise(text))
    if not words:
        return False
    if takes_it_back(words):
        return False
    tokens = words.split()
    if any(t in KEYWORDS for t in tokens) and all(t in KEYWORDS or t in FILLERS for t in tokens):
        # "no, STOP" asks to stop; "no parar" (an instruction in the infinitive) does not.
        return not (tokens[0] == "no" and len(tokens) > 1 and tokens[1] in SPANISH_VERBS)
    joined = [t for t in tokens if t not in FILLERS]
    if len(joined) == 1 and JOINED.fullmatch(joined[0]):
        return True
    if PAUSE_OR_TIME.search(EVEN_ON_A_DAY.sub(" ", GREETING.sub(" ", words))):
        return False
    if asks_for_part(text):
        return False
    if DATA_STORE.search(words) and not STOP_WRITING.search(words):
        return False
    if LEFT_FOR_ELSEWHERE.search(words) and not asks_outright(words):
        return False
    # Questions: how to stop something else or someone else's messages, what a word means.
    if (
        how_to_stop_something_else(words)
        or how_to_stop_someone_elses(text)
        or asks_about_a_word(words)
    ):
        return False
    # A habit or a new phone gives way when the message also asks outright.
    if (
        HABIT.search(words) or NEW_PHONE.search(words) or CALLS.search(words)
    ) and not asks_outright(words):
        return False
    if turned_round(text):
        return False
    return OPT_OUT.search(words) is not None
