"""A learner saying who they are: "me llamo Zoraida Quintero", "my name is Grace".

NLU has read such a message as ``ask_human``: the training data's ways of
asking to be called ("llámenme", "call me back") share its letters, and the
model's choice moved with the host that trained it (README, NLU). A name is
not a request for a person, and handing it to staff would leave the learner
waiting on a conversation they never asked for. So the hand-off action asks
this reader first; a message that also asks for someone ("me llamo Ana,
quiero hablar con una persona") still goes to staff.
"""

from __future__ import annotations

import re

from bot.messaging.optout import normalise

_INTRODUCTION = re.compile(
    r"^((hola|buenas|buenos dias|buenas tardes|buenas noches|hello|hi|good morning|bonjour|"
    r"bonsoir|salut|bonjou|bonswa|alo)( \w+)? )?"
    r"(me llamo|mi nombre es|my name is|my name s|i am called|je m appelle|mon nom est|"
    r"mon nom c est|mwen rele|m rele|non mwen se|non m se) \w+"
)
# Words that ask for a person, or say what the learner wants: then NLU decides.
_ASKS_FOR_SOMEONE = re.compile(
    r"\b(persona|humano|humana|agente|alguien|equipo|asesor\w*|hablar|llam(e|en|enme|ame|ar)|"
    r"quiero|necesito|person|human|agent|someone|somebody|team|staff|talk|speak|call|want|need|"
    r"personne|humain|quelqu un|equipe|conseill\w*|parler|appel\w*|veux|besoin|"
    r"moun|ajan|ekip|konseye|pale|rele m|vle|bezwen)\b"
)


def introduces_themselves(text: str) -> bool:
    """Whether the message only says the learner's name (a greeting before it is fine)."""
    words = normalise(text)
    if not _INTRODUCTION.match(words):
        return False
    rest = _INTRODUCTION.sub("", words, count=1)
    return not _ASKS_FOR_SOMEONE.search(rest)
