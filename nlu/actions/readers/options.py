"""Read which numbered option a learner chose, however they wrote it.

People on basic phones answer "2", "b", "la b", "opción 2", "dos", "deux",
"de" (Haitian Creole for two), "the second", "2)"... The whole message must
name one option: words such as "la", "opción" or "the" are ignored, but a
sentence that merely contains a number ("tengo 2 hijos") is not an answer.
"""

from __future__ import annotations

import re
import unicodedata

from bot.text.languages import LANGUAGES

# Words that may surround the option without changing it, in es, en, fr, ht.
# Accents are stripped before the look-up, so "opción" matches "opcion".
_FILLER = frozenset({
    "la", "el", "lo", "los", "las", "le", "les", "l", "the", "an",
    "opcion", "opciones", "option", "options", "opsyon", "chwa", "choix", "choice", "eleccion",
    "numero", "number", "nimewo", "num", "no", "nro", "nr", "n",
    "letra", "letter", "lettre", "let", "respuesta", "answer", "reponse", "repons",
    "es", "is", "est", "se", "sa", "ce", "mi", "my", "ma", "mwen", "nan", "pou",
})  # fmt: skip

_WORDS = {
    # es
    "uno": 1, "una": 1, "primera": 1, "primero": 1, "primer": 1,
    "dos": 2, "segunda": 2, "segundo": 2,
    "tres": 3, "tercera": 3, "tercero": 3, "tercer": 3,
    "cuatro": 4, "cuarta": 4, "cuarto": 4,
    # en
    "one": 1, "first": 1, "two": 2, "second": 2,
    "three": 3, "third": 3, "four": 4, "fourth": 4,
    # fr
    "un": 1, "une": 1, "premier": 1, "premiere": 1,
    "deux": 2, "deuxieme": 2, "seconde": 2,
    "trois": 3, "troisieme": 3, "quatre": 4, "quatrieme": 4,
    # ht
    "en": 1, "youn": 1, "yonn": 1, "premye": 1,
    "de": 2, "dezyem": 2, "twa": 3, "twazyem": 3, "kat": 4, "katriyem": 4,
}  # fmt: skip

_LETTERS = {"a": 1, "b": 2, "c": 3, "d": 4}

# "2", "2nd", "2da", "2do", "2e", "2eme", "2yem"
_DIGIT = re.compile(r"^(10|[1-9])(?:st|nd|rd|th|ro|ra|do|da|to|ta|er|ere|re|e|eme|em|yem)?$")


def normalise(text: str) -> str:
    """Lower case, accents and emoji keycaps removed, punctuation turned into spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # A keycap emoji such as 2️⃣ is the digit, a variation selector and U+20E3.
    plain = plain.replace("\ufe0f", "").replace("\u20e3", "")
    return re.sub(r"[^\w]+", " ", plain).strip()


def _token_value(token: str) -> int | None:
    if token in _WORDS:
        return _WORDS[token]
    if token in _LETTERS:
        return _LETTERS[token]
    match = _DIGIT.match(token)
    return int(match.group(1)) if match else None


def parse_option(text: str | None, max_options: int = 4) -> int | None:
    """The 1-based option the text names, or None when it names none or several."""
    if not text:
        return None
    tokens = re.sub(r"\bc est\b", " ", normalise(text)).split()
    # "a" is both the letter a and a preposition ("a la b"): it counts as an
    # option only as the last word ("a", "opción a").
    meaningful = [
        t
        for i, t in enumerate(tokens)
        if t not in _FILLER and not (t == "a" and i < len(tokens) - 1)
    ]
    if len(meaningful) != 1:
        return None
    value = _token_value(meaningful[0])
    if value is None or not 1 <= value <= max_options:
        return None
    return value


_LANGUAGE_WORDS = {
    "es": ("espanol", "castellano", "spanish", "espagnol", "panyol", "espanyol"),
    "en": ("english", "ingles", "anglais", "angle", "anglè"),
    "fr": ("francais", "french", "frances", "franse", "fransè"),
    "ht": ("kreyol", "creole", "criollo", "haitian", "haitiano", "ayisyen", "kreol"),
}
_YES_FIRST = frozenset({
    "si", "yes", "y", "oui", "wi", "ok", "okay", "vale", "dale", "claro",
    "acepto", "accept", "agree", "sure", "yeah", "yep", "dako",
})  # fmt: skip
_NO_FIRST = frozenset({"no", "non", "nope", "nah", "n"})
_YES_PHRASES = ("de acuerdo", "d accord", "i agree", "j accepte", "mwen dako", "por supuesto")
_NO_PHRASES = ("pa dako", "no acepto", "je refuse", "je ne veux pas", "i don t", "no gracias")


def parse_language(text: str | None) -> str | None:
    """A language code from a language name ("inglés", "Kreyòl") or its menu number."""
    if not text:
        return None
    words = normalise(text).split()
    for code, names in _LANGUAGE_WORDS.items():
        if any(word.startswith(normalise(name)) for word in words for name in names):
            return code
    number = parse_option(text, max_options=len(LANGUAGES))
    return LANGUAGES[number - 1] if number else None


def parse_yes_no(text: str | None) -> bool | None:
    """True for yes ("sí", "oui", "wi", "1"), False for no ("no", "non", "2"), else None."""
    if not text:
        return None
    plain = normalise(text)
    words = plain.split()
    if any(phrase in plain for phrase in _NO_PHRASES):
        return False
    if any(phrase in plain for phrase in _YES_PHRASES):
        return True
    if words and words[0] in _NO_FIRST:
        return False
    if words and words[0] in _YES_FIRST and not {"no", "non", "pa", "not"} & set(words):
        return True
    number = parse_option(text, max_options=2)
    return None if number is None else number == 1
