"""How the opt-out patterns see a message.

Lower case, no accents, punctuation and emoji as spaces, a letter typed three
times typed once, and a few SMS spellings written out, so that one pattern
covers "NO MÁS!!", "no mas" and "no kiero mas".
"""

from __future__ import annotations

import re
import unicodedata

# Punctuation, emoji and other symbols, and the invisible joiners of emoji
# sequences read as spaces: "🛑 no más 🙅‍♀️" is "no mas". Maths signs stay
# ("no + mensajes").
_SPACES = frozenset({"Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "So", "Sk", "Cf", "Mn"})


def normalise(text: str) -> str:
    """Lower case, no accents, punctuation and emoji as spaces, letters said thrice said once."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(
        " " if unicodedata.category(char) in _SPACES else char
        for char in decomposed
        if not unicodedata.combining(char)
    )
    # "stoooop", "bajaaa": an SMS habit; no word of the four languages needs
    # one letter three times in a row.
    return " ".join(re.sub(r"(\w)\1{2,}", r"\1", plain).split())


_SMS_SPELLINGS = {
    "kiero": "quiero",
    "qiero": "quiero",
    "q": "que",
    "veu": "veux",
    "jveux": "j veux",
    "menvoyer": "m envoyer",
    "mecrire": "m ecrire",
    "ank": "anko",
    "dnt": "dont",
    "jvx": "j veux",
    "kitenme": "quitenme",
    "kitame": "quitame",
    "sakenme": "saquenme",
}


def spelled_out(words: str) -> str:
    """SMS spellings the patterns do not list, written out: "no kiero" -> "no quiero"."""
    return " ".join(_SMS_SPELLINGS.get(word, word) for word in words.split())


CLAUSE_BREAK = re.compile(r"[,;.!?\n]+")
