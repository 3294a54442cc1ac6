"""Read where a learner is from what they wrote: "estoy en Costa Rica", "I moved to Miami".

Country names in Spanish, English and French come from Babel's CLDR data for
every country of ``bot.learners.zones``; Haitian Creole names, other common
spellings ("EEUU", "USA") and the cities migrants name most are listed here,
since no library has them. A city settles the zone of a country with several.
Accents, capitals and punctuation are ignored ("Panamá", "PANAMA!"). Only
names listed or in CLDR are understood: a place is never guessed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from babel import Locale

from bot.learners.zones import CREOLE_NAMES, all_countries, country
from nlu.actions.readers.options import normalise


@dataclass(frozen=True)
class Place:
    country: str  # ISO code (bot.learners.zones.country)
    zone: str | None  # None: the country has several zones and the name does not say which


# The languages whose country names CLDR has (Creole ones are hand-kept).
NAME_LANGUAGES = ("es", "en", "fr")
# Other spellings learners write: abbreviations, short forms, Creole variants.
OTHER_SPELLINGS: dict[str, tuple[str, ...]] = {
    "CO": ("kolombi", "columbia"),
    "VE": ("venezwela", "venesuela"),
    "HT": ("hayti",),
    "DO": ("dominicana", "dominikani", "rep dom"),
    "CR": ("costarica", "kostarika"),
    "HN": ("onduras",),
    "SV": ("salvador", "salvado"),
    "UY": ("urugwe",),
    "MX": ("mejico", "meksiko"),
    "US": ("ozetazini", "eeuu", "ee uu", "usa", "u s a", "e u a", "eua"),
    "CL": ("chilie",),
}  # fmt: skip
# CLDR names that are also everyday words or first names in the learners'
# languages ("Chad", "Jordan", "Georgia" the US state): never read as a country.
NOT_PLACES = frozenset({"chad", "jordan", "georgia", "turkey", "jersey", "guernsey", "maurice"})

# Cities and regions: the country and the zone they settle. Cities of
# single-zone countries are here too ("estoy en Bogotá").
_CITY_ZONES: dict[str, tuple[str, str]] = {
    # Panama and its neighbours
    "ciudad de panama": ("PA", "America/Panama"),
    "colon": ("PA", "America/Panama"),
    "darien": ("PA", "America/Panama"),
    "chiriqui": ("PA", "America/Panama"),
    "bogota": ("CO", "America/Bogota"),
    "medellin": ("CO", "America/Bogota"),
    "barranquilla": ("CO", "America/Bogota"),
    "cucuta": ("CO", "America/Bogota"),
    "necocli": ("CO", "America/Bogota"),
    "caracas": ("VE", "America/Caracas"),
    "maracaibo": ("VE", "America/Caracas"),
    "quito": ("EC", "America/Guayaquil"),
    "guayaquil": ("EC", "America/Guayaquil"),
    "port au prince": ("HT", "America/Port-au-Prince"),
    "potoprens": ("HT", "America/Port-au-Prince"),
    "cap haitien": ("HT", "America/Port-au-Prince"),
    "okap": ("HT", "America/Port-au-Prince"),
    "la habana": ("CU", "America/Havana"),
    "havana": ("CU", "America/Havana"),
    "la havane": ("CU", "America/Havana"),
    "santo domingo": ("DO", "America/Santo_Domingo"),
    "managua": ("NI", "America/Managua"),
    "tegucigalpa": ("HN", "America/Tegucigalpa"),
    "san pedro sula": ("HN", "America/Tegucigalpa"),
    "san salvador": ("SV", "America/El_Salvador"),
    "buenos aires": ("AR", "America/Argentina/Buenos_Aires"),
    "lima": ("PE", "America/Lima"),
    # Mexico: the main cities on the migrants' way north
    "ciudad de mexico": ("MX", "America/Mexico_City"),
    "mexico city": ("MX", "America/Mexico_City"),
    "cdmx": ("MX", "America/Mexico_City"),
    "tapachula": ("MX", "America/Mexico_City"),
    "guadalajara": ("MX", "America/Mexico_City"),
    "puebla": ("MX", "America/Mexico_City"),
    "oaxaca": ("MX", "America/Mexico_City"),
    "monterrey": ("MX", "America/Monterrey"),
    "cancun": ("MX", "America/Cancun"),
    "quintana roo": ("MX", "America/Cancun"),
    "tijuana": ("MX", "America/Tijuana"),
    "mexicali": ("MX", "America/Tijuana"),
    "ciudad juarez": ("MX", "America/Ciudad_Juarez"),
    "juarez": ("MX", "America/Ciudad_Juarez"),
    "matamoros": ("MX", "America/Matamoros"),
    "reynosa": ("MX", "America/Matamoros"),
    "hermosillo": ("MX", "America/Hermosillo"),
    "sonora": ("MX", "America/Hermosillo"),
    # United States
    "nueva york": ("US", "America/New_York"),
    "new york": ("US", "America/New_York"),
    "nouyok": ("US", "America/New_York"),
    "nyc": ("US", "America/New_York"),
    "miami": ("US", "America/New_York"),
    "miyami": ("US", "America/New_York"),
    "florida": ("US", "America/New_York"),
    "orlando": ("US", "America/New_York"),
    "boston": ("US", "America/New_York"),
    "atlanta": ("US", "America/New_York"),
    "new jersey": ("US", "America/New_York"),
    "nueva jersey": ("US", "America/New_York"),
    "chicago": ("US", "America/Chicago"),
    "houston": ("US", "America/Chicago"),
    "dallas": ("US", "America/Chicago"),
    "san antonio": ("US", "America/Chicago"),
    "texas": ("US", "America/Chicago"),
    "tejas": ("US", "America/Chicago"),
    "denver": ("US", "America/Denver"),
    "el paso": ("US", "America/Denver"),
    "nuevo mexico": ("US", "America/Denver"),
    "new mexico": ("US", "America/Denver"),
    "nouveau mexique": ("US", "America/Denver"),
    "phoenix": ("US", "America/Phoenix"),
    "arizona": ("US", "America/Phoenix"),
    "los angeles": ("US", "America/Los_Angeles"),
    "california": ("US", "America/Los_Angeles"),
    "californie": ("US", "America/Los_Angeles"),
    "kalifoni": ("US", "America/Los_Angeles"),
    "san francisco": ("US", "America/Los_Angeles"),
    "las vegas": ("US", "America/Los_Angeles"),
    "seattle": ("US", "America/Los_Angeles"),
    # Brazil, Canada, Chile
    "sao paulo": ("BR", "America/Sao_Paulo"),
    "rio de janeiro": ("BR", "America/Sao_Paulo"),
    "manaus": ("BR", "America/Manaus"),
    "boa vista": ("BR", "America/Boa_Vista"),
    "roraima": ("BR", "America/Boa_Vista"),
    "rio branco": ("BR", "America/Rio_Branco"),
    "toronto": ("CA", "America/Toronto"),
    "montreal": ("CA", "America/Toronto"),
    "quebec": ("CA", "America/Toronto"),
    "ottawa": ("CA", "America/Toronto"),
    "winnipeg": ("CA", "America/Winnipeg"),
    "calgary": ("CA", "America/Edmonton"),
    "edmonton": ("CA", "America/Edmonton"),
    "vancouver": ("CA", "America/Vancouver"),
    "british columbia": ("CA", "America/Vancouver"),
    "colombie britannique": ("CA", "America/Vancouver"),
    "santiago de chile": ("CL", "America/Santiago"),
    "punta arenas": ("CL", "America/Punta_Arenas"),
    "isla de pascua": ("CL", "Pacific/Easter"),
    "easter island": ("CL", "Pacific/Easter"),
    "ile de paques": ("CL", "Pacific/Easter"),
    "rapa nui": ("CL", "Pacific/Easter"),
    # Spain and Italy
    "madrid": ("ES", "Europe/Madrid"),
    "sevilla": ("ES", "Europe/Madrid"),
    "canarias": ("ES", "Atlantic/Canary"),
    "islas canarias": ("ES", "Atlantic/Canary"),
    "canary islands": ("ES", "Atlantic/Canary"),
    "iles canaries": ("ES", "Atlantic/Canary"),
    "tenerife": ("ES", "Atlantic/Canary"),
    "gran canaria": ("ES", "Atlantic/Canary"),
    "roma": ("IT", "Europe/Rome"),
    "rome": ("IT", "Europe/Rome"),
    "milano": ("IT", "Europe/Rome"),
    "milan": ("IT", "Europe/Rome"),
}


@cache
def _names() -> dict[str, Place]:
    """Every name understood, normalised, with the place it stands for."""
    by_name: defaultdict[str, set[Place]] = defaultdict(set)
    for code, found in all_countries().items():
        place = Place(code, None if found.has_several_zones else found.zone)
        spellings = [*_cldr_names(code), *OTHER_SPELLINGS.get(code, ())]
        if code in CREOLE_NAMES:
            spellings.append(CREOLE_NAMES[code])
        for spelling in spellings:
            name = normalise(spelling)
            if name and name not in NOT_PLACES:
                by_name[name].add(place)
    for city, (code, zone) in _CITY_ZONES.items():
        if country(code) is not None:
            by_name[normalise(city)] = {Place(code, zone)}
    # A name two countries share ("Congo") names neither.
    return {name: places.pop() for name, places in by_name.items() if len(places) == 1}


def _cldr_names(code: str) -> list[str]:
    """The country's CLDR names, and their short forms: "Myanmar (Birmania)" is also "Myanmar"."""
    names = []
    for language in NAME_LANGUAGES:
        name = Locale.parse(language).territories.get(code)
        if name:
            names += [name, re.sub(r"\s*\(.*\)", "", name), re.split(r"\s+-\s+|-", name)[0]]
    return names


@cache
def _pattern() -> re.Pattern[str]:
    # Longest names first, so that "nuevo mexico" wins over "mexico" and
    # "ciudad de panama" over "panama".
    names = sorted(_names(), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(name) for name in names) + r")\b")


# Words that put a place behind the learner: "soy de Venezuela", "I moved from
# Colombia to Panama", "je viens du Venezuela", "mwen soti Ayiti".
_FROM_WORDS = frozenset({"de", "desde", "from", "du", "d", "soti", "sot", "depuis"})


def read_place(text: str | None) -> Place | None:
    """The place the learner says they are in now, or None when it is not clear.

    One place named: that place. Several: the ones named after "from"
    words are dropped, and the last remaining one is where they are now
    ("de Colombia a Costa Rica" -> Costa Rica).
    """
    if not text:
        return None
    plain = normalise(text)
    names = _names()
    found: list[tuple[Place, bool]] = []
    for match in _pattern().finditer(plain):
        before = plain[: match.start()].split()
        behind = bool(before) and before[-1] in _FROM_WORDS
        found.append((names[match.group(1)], behind))
    places = list(dict.fromkeys(place for place, _ in found))
    if len(places) == 1:
        return places[0]
    current = [place for place, behind in found if not behind]
    return current[-1] if current else None
