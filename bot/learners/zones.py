"""The countries a learner may live in, their IANA time zones and their names.

Maintained data, not hand-kept tables:

- A country's zones come from ``pytz.country_timezones``: the IANA database's
  zone.tab, shipped with pytz (a dependency of flask-babel, pinned in
  constraints/app.txt), so every machine reads the same list whatever its
  system tzdata. zone1970.tab is not used: it lists a zone once for all the
  countries that share its clock (America/Panama stands for Panama, Cayman
  and parts of Canada), where a learner's country needs its own.
- A number's country comes from ``phonenumbers`` (by prefix: +1 809 is the
  Dominican Republic, +1 212 the United States).
- Country names in Spanish, English and French come from Babel's CLDR data.

Hand-kept, because no library has them: the Haitian Creole names, and for the
five countries of the Americas with several zones that migrants pass through,
a menu of their main zones labelled with the places each covers (English
msgids, marked ``N_``, translated when shown). Another country whose zones keep
different times gets a menu of one zone per time, named by Babel's city names.

A country "keeps one time" when all its zones had the same UTC offsets in
January and in July of ``REFERENCE_YEAR`` (Argentina's twelve zones do; Spain's
Canaries and Ecuador's Galápagos do not). Every zone offered must load with
``zoneinfo``; tests/learners/test_zones.py checks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

import phonenumbers
import pytz
from babel import Locale
from babel.dates import get_timezone_location
from phonenumbers import timezone as number_zones

from bot.learners.localtime import DEFAULT_TIMEZONE, is_valid_timezone, zone

# The year whose offsets tell whether a country's zones keep one time.
REFERENCE_YEAR = 2026
# A menu is answered with one digit (bot.messaging.keywords: a bare 1-9).
MENU_MAX = 9
# Babel has no Creole data: Creole readers get these, else the French name.
CITY_NAME_LANGUAGE = {"ht": "fr"}


def N_(message: str) -> str:
    """Mark a text for the catalogs; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class ZoneChoice:
    zone: str  # IANA name
    # English msgid naming the places it covers, as a learner knows them; None:
    # the zone's city as Babel names it in the learner's language.
    label: str | None = None


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    zone: str  # the zone of (nearly) all its people, or of most of them
    # Countries with zones that keep different times: a menu of the main ones,
    # then zones reached only by naming a city (nlu.actions.readers.places).
    choices: tuple[ZoneChoice, ...] = ()
    extra_choices: tuple[ZoneChoice, ...] = ()

    @property
    def has_several_zones(self) -> bool:
        return bool(self.choices)

    def choice_for(self, zone_name: str) -> ZoneChoice | None:
        every = (*self.choices, *self.extra_choices)
        return next((c for c in every if c.zone == zone_name), None)


_C = ZoneChoice
# The hand-picked menus: the first zone is the country's main one.
HAND_MENUS: dict[str, tuple[ZoneChoice, ...]] = {
    "MX": (
        _C("America/Mexico_City", N_("Mexico City, Tapachula")),
        _C("America/Cancun", N_("Cancun")),
        _C("America/Ciudad_Juarez", N_("Ciudad Juarez")),
        _C("America/Tijuana", N_("Tijuana")),
        _C("America/Monterrey", N_("Monterrey")),
        _C("America/Matamoros", N_("Matamoros, Reynosa")),
        _C("America/Hermosillo", N_("Hermosillo")),
    ),
    "US": (
        _C("America/New_York", N_("New York, Miami")),
        _C("America/Chicago", N_("Chicago, Houston")),
        _C("America/Denver", N_("Denver, El Paso")),
        _C("America/Los_Angeles", N_("Los Angeles")),
        _C("America/Phoenix", N_("Phoenix")),
    ),
    "BR": (
        _C("America/Sao_Paulo", N_("Sao Paulo, Rio")),
        _C("America/Manaus", N_("Manaus")),
        _C("America/Boa_Vista", N_("Boa Vista")),
        _C("America/Rio_Branco", N_("Rio Branco")),
    ),
    "CA": (
        _C("America/Toronto", N_("Toronto, Montreal")),
        _C("America/Winnipeg", N_("Winnipeg")),
        _C("America/Edmonton", N_("Calgary, Edmonton")),
        _C("America/Vancouver", N_("Vancouver")),
    ),
    "CL": (
        _C("America/Santiago", N_("Santiago")),
        _C("America/Punta_Arenas", N_("Punta Arenas")),
        _C("Pacific/Easter", N_("Easter Island")),
    ),
}
# The menu of a hand-picked country holds this many; the rest are reached by city.
HAND_MENU_SIZE = 4

# The countries migrants in Panama most come from or go on to: the menu shown
# when a learner's place cannot be read. At most nine (one digit each).
MENU_COUNTRIES: tuple[str, ...] = ("PA", "CO", "VE", "CR", "NI", "HT", "MX", "US")

# Haitian Creole names (CLDR has none); other countries are named in French.
CREOLE_NAMES: dict[str, str] = {
    "AR": "Ajantin", "BZ": "Beliz", "BO": "Bolivi", "BR": "Brezil", "CA": "Kanada",
    "CL": "Chili", "CO": "Kolonbi", "CR": "Kosta Rika", "CU": "Kiba",
    "DO": "Repiblik Dominikèn", "EC": "Ekwatè", "SV": "Salvadò", "GT": "Gwatemala",
    "HT": "Ayiti", "HN": "Ondiras", "MX": "Meksik", "NI": "Nikaragwa", "PA": "Panama",
    "PY": "Paragwe", "PE": "Pewou", "US": "Etazini", "UY": "Irigwe", "VE": "Venezyela",
    "ES": "Espay", "IT": "Itali", "FR": "Lafrans",
}  # fmt: skip


def _offsets(zone_name: str) -> tuple[object, object]:
    """The zone's UTC offsets in January and July of the reference year."""
    tz = zone(zone_name)
    return tuple(  # type: ignore[return-value]
        datetime(REFERENCE_YEAR, month, 15, 12, tzinfo=tz).utcoffset() for month in (1, 7)
    )


def _times(zones: list[str]) -> list[str]:
    """One zone per time kept: the first (zone.tab's order) of those that agree."""
    seen: dict[tuple[object, object], str] = {}
    for zone_name in zones:
        seen.setdefault(_offsets(zone_name), zone_name)
    return list(seen.values())


@cache
def country(code: str) -> Country | None:
    """The country with this ISO code, or None for a code the tz database has no zone for."""
    zones = [z for z in pytz.country_timezones.get(code, []) if is_valid_timezone(z)]
    if not zones:
        return None
    hand = HAND_MENUS.get(code)
    if hand:
        return Country(code, hand[0].zone, hand[:HAND_MENU_SIZE], hand[HAND_MENU_SIZE:])
    times = _times(zones)
    if len(times) == 1:
        return Country(code, zones[0])
    return Country(code, times[0], tuple(ZoneChoice(z) for z in times[:MENU_MAX]))


@cache
def all_countries() -> dict[str, Country]:
    """Every country of the tz database, by ISO code."""
    found = (country(code) for code in pytz.country_timezones)
    return {item.code: item for item in found if item is not None}


@cache
def _zone_countries() -> dict[str, str]:
    return {z: code for code, zones in pytz.country_timezones.items() for z in zones}


def country_of_zone(zone_name: str) -> Country | None:
    """The country a zone belongs to (the one zone.tab lists it under)."""
    code = _zone_countries().get(zone_name)
    return country(code) if code else None


def country_name(code: str, language: str) -> str:
    """The country's name in the learner's language (Creole: hand-kept, else French)."""
    if language == "ht" and code in CREOLE_NAMES:
        return CREOLE_NAMES[code]
    locale = Locale.parse(CITY_NAME_LANGUAGE.get(language, language))
    return locale.territories.get(code, code)


def city_name(zone_name: str, language: str) -> str:
    """The zone's city as Babel names it in the learner's language ("Canarias")."""
    locale = CITY_NAME_LANGUAGE.get(language, language)
    return get_timezone_location(zone_name, locale=locale, return_city=True)


def timezone_for_number(e164: str, default: str = DEFAULT_TIMEZONE) -> str:
    """The time zone a number implies: its country's, when the country keeps one time.

    A number's country and the zones of its prefix come from phonenumbers; a
    prefix it cannot place (no zone known) implies nothing. A country whose
    zones keep different times (+1 United States, +52 Mexico, +55 Brazil,
    Spain with the Canaries) keeps ``default``: the learner tells where they
    are with ZONE, which also works for anyone whose number is not where they live.
    """
    try:
        number = phonenumbers.parse(e164.removeprefix("whatsapp:"))
    except phonenumbers.NumberParseException:
        return default
    if number_zones.time_zones_for_number(number) == (number_zones.UNKNOWN_TIMEZONE,):
        return default
    found = country(phonenumbers.region_code_for_number(number) or "")
    if found is None or found.has_several_zones:
        return default
    return found.zone
