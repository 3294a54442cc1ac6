"""Read where a learner is from what they wrote: "estoy en Costa Rica", "I moved to Miami".

Country names in Spanish, English, French and Haitian Creole, and the cities
migrants name most, each mapped to a country of ``bot.learners.zones`` and, when
the name settles it, to one time zone. Accents, capitals and punctuation are
ignored ("Panamá", "PANAMA!"). Only names listed here are understood: a place
is never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.learners.zones import COUNTRIES
from nlu.actions.readers.options import normalise


@dataclass(frozen=True)
class Place:
    country: str  # ISO code, a key of bot.learners.zones.COUNTRIES
    zone: str | None  # None: the country has several zones and the name does not say which


# Names of each country in es, en, fr, ht (normalised: no accents, lower case),
# and common spellings. A name that is also a common word is left out.
_COUNTRY_NAMES: dict[str, tuple[str, ...]] = {
    "PA": ("panama",),
    "CO": ("colombia", "colombie", "kolonbi", "kolombi", "columbia"),
    "VE": ("venezuela", "venezyela", "venezwela", "venesuela"),
    "EC": ("ecuador", "equateur", "ekwate"),
    "PE": ("peru", "perou", "pewou"),
    "HT": ("haiti", "ayiti", "hayti"),
    "CU": ("cuba", "kiba"),
    "DO": (
        "republica dominicana", "dominican republic", "republique dominicaine",
        "repiblik dominiken", "dominicana", "dominikani", "rep dom",
    ),
    "NI": ("nicaragua", "nikaragwa"),
    "CR": ("costa rica", "kosta rika", "costarica", "kostarika"),
    "HN": ("honduras", "ondiras", "onduras"),
    "SV": ("el salvador", "salvador", "salvado"),
    "GT": ("guatemala", "gwatemala"),
    "BZ": ("belize", "belice", "beliz"),
    "AR": ("argentina", "argentine", "ajantin"),
    "BO": ("bolivia", "bolivie", "bolivi"),
    "PY": ("paraguay", "paragwe"),
    "UY": ("uruguay", "irigwe", "urugwe"),
    "MX": ("mexico", "mejico", "mexique", "meksik", "meksiko"),
    "US": (
        "estados unidos", "united states", "etats unis", "etazini", "ozetazini", "eeuu", "ee uu",
        "usa", "u s a", "e u a", "eua",
    ),
    "BR": ("brasil", "brazil", "bresil", "brezil"),
    "CA": ("canada", "kanada"),
    "CL": ("chile", "chili", "chilie"),
}  # fmt: skip

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
}


def _build_names() -> dict[str, Place]:
    names: dict[str, Place] = {}
    for code, spellings in _COUNTRY_NAMES.items():
        country = COUNTRIES[code]
        zone = None if country.has_several_zones else country.zone
        for spelling in spellings:
            names[normalise(spelling)] = Place(code, zone)
    for name, (code, zone) in _CITY_ZONES.items():
        names[normalise(name)] = Place(code, zone)
    return names


_NAMES = _build_names()
# Longest names first, so that "nuevo mexico" wins over "mexico" and
# "ciudad de panama" over "panama".
_PATTERN = re.compile(
    r"\b(" + "|".join(re.escape(n) for n in sorted(_NAMES, key=len, reverse=True)) + r")\b"
)
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
    found: list[tuple[Place, bool]] = []
    for match in _PATTERN.finditer(plain):
        before = plain[: match.start()].split()
        behind = bool(before) and before[-1] in _FROM_WORDS
        found.append((_NAMES[match.group(1)], behind))
    places = list(dict.fromkeys(place for place, _ in found))
    if len(places) == 1:
        return places[0]
    current = [place for place, behind in found if not behind]
    return current[-1] if current else None
