"""Read a preferred time of day from what a learner wrote.

"a las 7 de la noche" → 19:00, "7pm" → 19:00, "HORA 19" → 19:00, "19:30",
"prefiero en la mañana" → 08:00, "le soir" → 19:00, "nan maten" → 08:00.
Words from all four languages are accepted (people mix them); the learner's
language decides only the number words that are also common words elsewhere
("de" is two in Haitian Creole but "of" in Spanish and French).
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise

from bot.text.menus import PRESET_DAYS, PRESET_TIMES

__all__ = ["PRESET_DAYS", "PRESET_TIMES", "parse_days", "parse_time", "parse_weekdays"]

# The four choices offered in onboarding (bot.text.menus, where their labels
# are), also what a bare part of the day means.
MORNING, MIDDAY, AFTERNOON, EVENING = PRESET_TIMES

_MORNING_WORDS = frozenset({"manana", "madrugada", "morning", "matin", "matinee", "maten"})
_MIDDAY_WORDS = frozenset({"mediodia", "noon", "midday", "midi", "lunch"})
_AFTERNOON_WORDS = frozenset({"tarde", "afternoon", "apresmidi", "apremidi", "aprem"})
_EVENING_WORDS = frozenset(
    {"noche", "evening", "night", "tonight", "soir", "soiree", "nuit", "swa", "aswe", "lannwit"}
)

_NUMBER_WORDS: dict[str, dict[str, int]] = {
    "es": {
        "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
        "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12,
    },
    "en": {
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
        "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    },
    "fr": {
        "une": 1, "un": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
        "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12,
    },
    "ht": {
        "en": 1, "youn": 1, "de": 2, "twa": 3, "kat": 4, "senk": 5, "sis": 6, "set": 7,
        "uit": 8, "nef": 9, "dis": 10, "onz": 11, "douz": 12,
    },
}  # fmt: skip
# Number words that are ordinary words in another language: only trusted in
# the learner's own language.
_AMBIGUOUS = frozenset({"un", "une", "una", "uno", "en", "de", "dis", "set", "sis", "once"})

# "7pm", "7 p.m.", "7 p. m." (only right after a number: "I am free" is not a.m.)
_MERIDIEM = re.compile(r"\d\s*([ap])\s*\.?\s*m\b")
# 19:30, 19.30, 19h30, 7e30 (Creole 7è30), 19h, 19
_CLOCK = re.compile(r"(?<!\d)(\d{1,2})(?:\s*(?::|\.|h|e)\s*(\d{2}))?(?!\d)")
_GREETING = re.compile(r"\b(good (morning|afternoon|evening|night)|bonne (nuit|soiree))\b")
_HALF = re.compile(r"\b(media|demie|demi|edmi|half)\b")


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Greetings name a part of the day without choosing it.
    plain = _GREETING.sub(" ", plain)
    return re.sub(r"\b(apres|apre)[\s-]+midi\b", "apresmidi", plain)


def _part_of_day(words: set[str]) -> str | None:
    for part, vocabulary in (
        (AFTERNOON, _AFTERNOON_WORDS),
        (EVENING, _EVENING_WORDS),
        (MIDDAY, _MIDDAY_WORDS),
        (MORNING, _MORNING_WORDS),
    ):
        if words & vocabulary:
            return part
    return None


def _hour_from_words(words: list[str], language: str) -> int | None:
    for word in words:
        for table_language, table in _NUMBER_WORDS.items():
            if word in table and (table_language == language or word not in _AMBIGUOUS):
                return table[word]
    return None


def parse_time(text: str | None, language: str = "es") -> str | None:
    """The time of day as "HH:MM", or None when the text names none."""
    if not text:
        return None
    normalised = _normalise(text)
    words_list = re.findall(r"[a-z]+", normalised)
    words = set(words_list)
    part = _part_of_day(words)
    meridiem = _MERIDIEM.search(normalised)
    pm = meridiem is not None and meridiem.group(1) == "p"
    am = meridiem is not None and meridiem.group(1) == "a"

    clock = _CLOCK.search(normalised)
    if clock:
        hour, minute = int(clock.group(1)), int(clock.group(2) or 0)
    else:
        found = _hour_from_words(words_list, language)
        if found is None:
            return part
        hour, minute = found, 0
    if minute == 0 and _HALF.search(normalised):
        minute = 30
    if hour > 23 or minute > 59:
        return None

    if hour <= 12:
        if pm or part in (AFTERNOON, EVENING):
            # "12 de la noche" is midnight; "7 de la noche" is 19:00.
            hour = 0 if hour == 12 and part == EVENING else (hour % 12) + 12
        elif am or part == MORNING:
            hour = 0 if hour == 12 else hour
        elif part is None and 1 <= hour <= 6:
            # Nobody asks for a lesson at 3 in the morning: "a las 3" is 15:00.
            hour += 12
    return f"{hour:02d}:{minute:02d}"


# Units a learner may give a pause in: "PAUSA 2 semanas", "pause 1 month".
_DAY_UNITS = {
    "dia": 1, "dias": 1, "day": 1, "days": 1, "jour": 1, "jours": 1, "jou": 1,
    "semana": 7, "semanas": 7, "week": 7, "weeks": 7, "semaine": 7, "semaines": 7, "semen": 7,
    "mes": 30, "meses": 30, "month": 30, "months": 30, "mois": 30, "mwa": 30,
}  # fmt: skip
MAX_PAUSE_DAYS = 90


def parse_days(text: str | None, default: int = 7) -> int:
    """How many days a pause lasts: "PAUSA 3" → 3, "2 semanas" → 14, "pause" → ``default``."""
    normalised = _normalise(text or "")
    number_match = re.search(r"(?<!\d)(\d{1,3})(?!\d)", normalised)
    words = re.findall(r"[a-z]+", normalised)
    unit = next((_DAY_UNITS[w] for w in words if w in _DAY_UNITS), 1)
    if number_match is not None:
        days = int(number_match.group(1)) * unit
    elif (spelled := _spelled_count(words)) is not None:
        days = spelled
    else:
        days = unit if unit > 1 else default
    return max(1, min(days, MAX_PAUSE_DAYS))


def _spelled_count(words: list[str]) -> int | None:
    """A number word right before a unit: "dos semanas" 14, "three days" 3, "de semèn" 14.

    Only before a unit, where no language's number word is an ordinary word
    ("de" is Creole "two" in "de semèn", Spanish "of" in "pausa de una semana").
    """
    for word, following in pairwise(words):
        if following in _DAY_UNITS:
            for table in _NUMBER_WORDS.values():
                if word in table:
                    return table[word] * _DAY_UNITS[following]
    return None


# Days of the week a learner may name, Monday first as in ``date.weekday()``:
# full names (also plural: "los sábados", "Sundays") and short forms.
_DAY_NAMES: tuple[tuple[str, ...], ...] = (
    ("lunes", "monday", "lundi", "lendi"),
    ("martes", "tuesday", "mardi", "madi"),
    ("miercoles", "wednesday", "mercredi", "mekredi"),
    ("jueves", "thursday", "jeudi", "jedi"),
    ("viernes", "friday", "vendredi", "vandredi"),
    ("sabado", "saturday", "samedi", "samdi"),
    ("domingo", "sunday", "dimanche", "dimanch"),
)
# Short forms are common words too ("mar", "vie", "mon", "sun"): they count
# only when the message names two days at least ("lun mie vie", "mon-fri").
_DAY_SHORT: tuple[tuple[str, ...], ...] = (
    ("lun", "mon", "len"),
    ("mar", "tue", "tues", "mad"),
    ("mie", "mier", "mer", "wed", "mek"),
    ("jue", "jeu", "thu", "thur", "thurs"),
    ("vie", "ven", "fri", "van"),
    ("sab", "sam", "sat"),
    ("dom", "dim", "sun"),
)
_FULL_DAY = {word: day for day, words in enumerate(_DAY_NAMES) for word in words}
_SHORT_DAY = {word: day for day, words in enumerate(_DAY_SHORT) for word in words}
# "lunes a viernes", "monday to friday", "du lundi au vendredi", "lendi rive vandredi", "mon-fri"
_RANGE_WORDS = frozenset(
    {"a", "al", "hasta", "to", "through", "thru", "till", "until", "au", "jusqu", "jusqua"}
    | {"rive", "jiska", "-"}
)
_ARTICLES = frozenset({"el", "le", "la", "los", "les", "the"})
# Days named after these are taken out: "todos menos los domingos", "sauf le dimanche".
_EXCEPT_WORDS = frozenset(
    {"menos", "excepto", "salvo", "sin", "except", "without", "sauf", "sans", "sof", "eksepte"}
)
_WEEKDAYS = re.compile(
    r"\b(entre semana|dias? de semana|dias? habiles|dias? laborables|weekdays?|week days"
    r"|workdays?|en semaine|jours? de (la )?semaine|jours? ouvrables?|jou travay|jou lasemen"
    r"|pandan lasemen)\b"
)
_WEEKEND = re.compile(r"\b(fin(es)? de semana|week ?-?ends?|fin de semaine|wikenn?|wikann?)\b")
_EVERY_DAY = re.compile(
    r"\b(todos los dias|diari[oa]|diariamente|cada dia|every ?day|daily|tous les jours"
    r"|chaque jour|chak jou|tout jou|toulejou)\b"
)

_DAY_GROUPS: tuple[tuple[re.Pattern[str], tuple[int, ...]], ...] = (
    (_WEEKDAYS, (0, 1, 2, 3, 4)),
    (_WEEKEND, (5, 6)),
    (_EVERY_DAY, (0, 1, 2, 3, 4, 5, 6)),
)


def _day_of(word: str, allow_short: bool) -> int | None:
    if word in _FULL_DAY:
        return _FULL_DAY[word]
    if len(word) > 5 and word.endswith("s") and word[:-1] in _FULL_DAY:
        return _FULL_DAY[word[:-1]]  # plural
    return _SHORT_DAY.get(word) if allow_short else None


def _span(first: int, last: int) -> set[int]:
    """Days from ``first`` to ``last``, both included, across the weekend if need be."""
    return {(first + offset) % 7 for offset in range((last - first) % 7 + 1)}


def parse_weekdays(text: str | None) -> str | None:
    """The days of the week a message names, as a mask such as "1111100"; None if it names none.

    "solo lunes a viernes", "weekdays" → "1111100"; "lun mie vie" → "1010100";
    "fines de semana" → "0000011"; "todos menos domingo" → "1111110".
    """
    normalised = _normalise(text or "")
    tokens = re.findall(r"[a-z]+|-", normalised)
    named = sum(1 for t in tokens if _day_of(t, allow_short=True) is not None)
    allow_short = named >= 2
    chosen: set[int] = set()
    excluded: set[int] = set()
    for pattern, group in _DAY_GROUPS:
        if pattern.search(normalised):
            chosen.update(group)
    excluding = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        excluding = excluding or token in _EXCEPT_WORDS
        day = _day_of(token, allow_short)
        index += 1
        if day is None:
            continue
        target = excluded if excluding else chosen
        after = index
        if after < len(tokens) and tokens[after] in _RANGE_WORDS:
            after += 1
            while after < len(tokens) and tokens[after] in _ARTICLES:
                after += 1
            last = _day_of(tokens[after], allow_short) if after < len(tokens) else None
            if last is not None:
                target.update(_span(day, last))
                index = after + 1
                continue
        target.add(day)
    if not chosen and not excluded:
        return None
    days = (chosen or set(range(7))) - excluded
    if not days:
        return None
    return "".join("1" if day in days else "0" for day in range(7))
