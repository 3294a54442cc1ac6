"""The country table behind time zones: every zone is real, the menus fit one digit."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.learners.zones import COUNTRIES, COUNTRY_BY_CALLING_CODE, MENU_COUNTRIES, country_of_zone

ALL_ZONES = sorted(
    {country.zone for country in COUNTRIES.values()}
    | {c.zone for country in COUNTRIES.values() for c in (*country.choices, *country.extra_choices)}
)


@pytest.mark.parametrize("zone", ALL_ZONES)
def test_every_zone_is_in_the_tz_database(zone: str) -> None:
    assert str(ZoneInfo(zone)) == zone


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("PA", "America/Panama"),
        ("CO", "America/Bogota"),
        ("VE", "America/Caracas"),
        ("EC", "America/Guayaquil"),
        ("PE", "America/Lima"),
        ("HT", "America/Port-au-Prince"),
        ("CU", "America/Havana"),
        ("DO", "America/Santo_Domingo"),
        ("NI", "America/Managua"),
        ("CR", "America/Costa_Rica"),
        ("HN", "America/Tegucigalpa"),
        ("SV", "America/El_Salvador"),
        ("GT", "America/Guatemala"),
        ("MX", "America/Mexico_City"),
        ("US", "America/New_York"),
    ],
)
def test_main_zone_of_each_country(code: str, zone: str) -> None:
    assert COUNTRIES[code].zone == zone
    assert country_of_zone(zone) is COUNTRIES[code]


def test_countries_with_several_zones_offer_their_main_ones_first() -> None:
    several = {code for code, country in COUNTRIES.items() if country.has_several_zones}
    assert several == {"MX", "US", "BR", "CA", "CL"}
    for code in several:
        country = COUNTRIES[code]
        assert 2 <= len(country.choices) <= 4  # a menu answered with 1-4
        assert country.choices[0].zone == country.zone


def test_the_country_menu_is_answered_with_one_digit() -> None:
    assert len(MENU_COUNTRIES) <= 9
    assert set(MENU_COUNTRIES) <= set(COUNTRIES)


def test_numbers_imply_only_countries_with_one_zone() -> None:
    for code in COUNTRY_BY_CALLING_CODE.values():
        assert not COUNTRIES[code].has_several_zones
