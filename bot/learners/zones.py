"""The countries a learner may live in, and their IANA time zones.

One table serves both the guess made from a phone number at sign-up
(``timezone_for_number``) and the learner's own "I am in
Colombia now" (``nlu.actions.readers.places``). Names and labels are English msgids, marked
with ``N_`` for extraction and translated when shown.

Every zone here must load with ``zoneinfo``: tests/learners/test_zones.py
checks them against the machine's tz database, and the action checks again
before it saves one.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.learners.localtime import DEFAULT_TIMEZONE


def N_(message: str) -> str:
    """Mark a text for the catalogs; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class ZoneChoice:
    zone: str  # IANA name
    label: str  # English msgid: the places it covers, as a learner knows them


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name: str  # English msgid
    zone: str  # the zone of (nearly) all its people, or of most of them
    # Countries with several zones: the main ones, offered as a menu (at most
    # four), then zones reached only by naming a city.
    choices: tuple[ZoneChoice, ...] = ()
    extra_choices: tuple[ZoneChoice, ...] = ()

    @property
    def has_several_zones(self) -> bool:
        return bool(self.choices)

    def choice_for(self, zone: str) -> ZoneChoice | None:
        return next((c for c in (*self.choices, *self.extra_choices) if c.zone == zone), None)


def _country(code: str, name: str, zone: str, *choices: ZoneChoice) -> Country:
    return Country(code, name, zone, choices[:4], choices[4:])


_C = ZoneChoice
COUNTRIES: dict[str, Country] = {
    country.code: country
    for country in (
        _country("PA", N_("Panama"), "America/Panama"),
        _country("CO", N_("Colombia"), "America/Bogota"),
        _country("VE", N_("Venezuela"), "America/Caracas"),
        # Mainland Ecuador; the Galápagos (Pacific/Galapagos) are an hour behind.
        _country("EC", N_("Ecuador"), "America/Guayaquil"),
        _country("PE", N_("Peru"), "America/Lima"),
        _country("HT", N_("Haiti"), "America/Port-au-Prince"),
        _country("CU", N_("Cuba"), "America/Havana"),
        _country("DO", N_("Dominican Republic"), "America/Santo_Domingo"),
        _country("NI", N_("Nicaragua"), "America/Managua"),
        _country("CR", N_("Costa Rica"), "America/Costa_Rica"),
        _country("HN", N_("Honduras"), "America/Tegucigalpa"),
        _country("SV", N_("El Salvador"), "America/El_Salvador"),
        _country("GT", N_("Guatemala"), "America/Guatemala"),
        _country("BZ", N_("Belize"), "America/Belize"),
        # Argentina's zones all keep Buenos Aires time.
        _country("AR", N_("Argentina"), "America/Argentina/Buenos_Aires"),
        _country("BO", N_("Bolivia"), "America/La_Paz"),
        _country("PY", N_("Paraguay"), "America/Asuncion"),
        _country("UY", N_("Uruguay"), "America/Montevideo"),
        _country(
            "MX",
            N_("Mexico"),
            "America/Mexico_City",
            _C("America/Mexico_City", N_("Mexico City, Tapachula")),
            _C("America/Cancun", N_("Cancun")),
            _C("America/Ciudad_Juarez", N_("Ciudad Juarez")),
            _C("America/Tijuana", N_("Tijuana")),
            _C("America/Monterrey", N_("Monterrey")),
            _C("America/Matamoros", N_("Matamoros, Reynosa")),
            _C("America/Hermosillo", N_("Hermosillo")),
        ),
        _country(
            "US",
            N_("United States"),
            "America/New_York",
            _C("America/New_York", N_("New York, Miami")),
            _C("America/Chicago", N_("Chicago, Houston")),
            _C("America/Denver", N_("Denver, El Paso")),
            _C("America/Los_Angeles", N_("Los Angeles")),
            _C("America/Phoenix", N_("Phoenix")),
        ),
        _country(
            "BR",
            N_("Brazil"),
            "America/Sao_Paulo",
            _C("America/Sao_Paulo", N_("Sao Paulo, Rio")),
            _C("America/Manaus", N_("Manaus")),
            _C("America/Boa_Vista", N_("Boa Vista")),
            _C("America/Rio_Branco", N_("Rio Branco")),
        ),
        _country(
            "CA",
            N_("Canada"),
            "America/Toronto",
            _C("America/Toronto", N_("Toronto, Montreal")),
            _C("America/Winnipeg", N_("Winnipeg")),
            _C("America/Edmonton", N_("Calgary, Edmonton")),
            _C("America/Vancouver", N_("Vancouver")),
        ),
        _country(
            "CL",
            N_("Chile"),
            "America/Santiago",
            _C("America/Santiago", N_("Santiago")),
            _C("America/Punta_Arenas", N_("Punta Arenas")),
            _C("Pacific/Easter", N_("Easter Island")),
        ),
    )
}

# The countries migrants in Panama most come from or go on to: the menu shown
# when a learner's place cannot be read. At most nine, so that every option is
# a single digit (bot.messaging.keywords sends a bare digit as an option).
MENU_COUNTRIES: tuple[str, ...] = ("PA", "CO", "VE", "CR", "NI", "HT", "MX", "US")

# Calling codes of countries near Panama with one time zone for (practically)
# all their people. Inferred only for these: a number from a country with
# several zones (+1, +52, +55, +56, ...) keeps the default, and so does a
# number from far away, whose owner is most likely passing through Panama.
COUNTRY_BY_CALLING_CODE = {
    "507": "PA",
    "57": "CO",
    "58": "VE",
    "509": "HT",
    "593": "EC",
    "506": "CR",
    "505": "NI",
    "504": "HN",
    "503": "SV",
    "502": "GT",
    "501": "BZ",
    "51": "PE",
    "53": "CU",
    "54": "AR",
    "591": "BO",
    "595": "PY",
    "598": "UY",
    # The Dominican Republic shares +1 but has area codes of its own.
    "1809": "DO",
    "1829": "DO",
    "1849": "DO",
}


def country_of_zone(zone: str) -> Country | None:
    """The country a zone of this table belongs to."""
    for country in COUNTRIES.values():
        if country.zone == zone or country.choice_for(zone) is not None:
            return country
    return None


def timezone_for_number(e164: str, default: str = DEFAULT_TIMEZONE) -> str:
    """The time zone a number's country code implies, when it clearly implies one.

    Only countries with one zone are in ``COUNTRY_BY_CALLING_CODE``: see
    bot/learners/zones.py.
    """
    digits = e164.removeprefix("whatsapp:").removeprefix("+")
    for length in (4, 3, 2):
        found = COUNTRY_BY_CALLING_CODE.get(digits[:length])
        if found is not None:
            return COUNTRIES[found].zone
    return default
