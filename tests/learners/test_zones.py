"""The countries behind time zones: every zone real, every menu one digit, names in all four."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from bot.learners.zones import (
    HAND_MENUS,
    MENU_COUNTRIES,
    all_countries,
    city_name,
    country,
    country_name,
    country_of_zone,
)

ALL_ZONES = sorted(
    {found.zone for found in all_countries().values()}
    | {
        choice.zone
        for found in all_countries().values()
        for choice in (*found.choices, *found.extra_choices)
    }
)


def test_every_country_of_the_tz_database_is_known() -> None:
    assert len(all_countries()) > 240
    assert {"ES", "IT", "JP", "PE", "US", "HT"} <= set(all_countries())


@pytest.mark.parametrize("zone", ALL_ZONES)
def test_every_zone_is_in_the_tz_database(zone: str) -> None:
    assert str(ZoneInfo(zone)) == zone


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("PA", "America/Panama"),
        ("CO", "America/Bogota"),
        ("VE", "America/Caracas"),
        ("PE", "America/Lima"),
        ("HT", "America/Port-au-Prince"),
        ("CU", "America/Havana"),
        ("DO", "America/Santo_Domingo"),
        ("NI", "America/Managua"),
        ("CR", "America/Costa_Rica"),
        ("HN", "America/Tegucigalpa"),
        ("SV", "America/El_Salvador"),
        ("GT", "America/Guatemala"),
        ("IT", "Europe/Rome"),
        # Twelve zones, one time: no menu.
        ("AR", "America/Argentina/Buenos_Aires"),
    ],
)
def test_a_country_that_keeps_one_time_has_one_zone(code: str, zone: str) -> None:
    found = country(code)
    assert found is not None and not found.has_several_zones
    assert found.zone == zone
    assert country_of_zone(zone) == found


# country, its menu as zones
SEVERAL = [
    ("MX", ["America/Mexico_City", "America/Cancun", "America/Ciudad_Juarez", "America/Tijuana"]),
    ("US", ["America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"]),
    # Ceuta keeps Madrid's time: one option for both.
    ("ES", ["Europe/Madrid", "Atlantic/Canary"]),
    ("EC", ["America/Guayaquil", "Pacific/Galapagos"]),
    ("PT", ["Europe/Lisbon", "Atlantic/Azores"]),
]


@pytest.mark.parametrize(("code", "zones"), SEVERAL, ids=[case[0] for case in SEVERAL])
def test_a_country_with_several_times_offers_one_zone_per_time(code: str, zones: list[str]):
    found = country(code)
    assert found is not None and found.has_several_zones
    assert [choice.zone for choice in found.choices] == zones
    assert found.zone == zones[0]


def test_the_hand_picked_menus_offer_their_main_zones_and_more_by_city() -> None:
    for code, choices in HAND_MENUS.items():
        found = country(code)
        assert found is not None
        assert 2 <= len(found.choices) <= 4  # a menu answered with 1-4
        assert (*found.choices, *found.extra_choices) == choices
    cancun = country_of_zone("America/Hermosillo")
    assert cancun is not None and cancun.choice_for("America/Hermosillo") is not None


def test_every_menu_is_answered_with_one_digit() -> None:
    assert len(MENU_COUNTRIES) <= 9
    assert all(country(code) is not None for code in MENU_COUNTRIES)
    assert max(len(found.choices) for found in all_countries().values()) <= 9


@pytest.mark.parametrize(
    ("code", "names"),
    [
        ("US", ["Estados Unidos", "United States", "États-Unis", "Etazini"]),
        ("ES", ["España", "Spain", "Espagne", "Espay"]),
        ("HT", ["Haití", "Haiti", "Haïti", "Ayiti"]),
        # No Creole name kept: the French one.
        ("JP", ["Japón", "Japan", "Japon", "Japon"]),
    ],
)
def test_countries_are_named_in_the_learners_language(code: str, names: list[str]) -> None:
    assert [country_name(code, language) for language in ("es", "en", "fr", "ht")] == names


def test_zones_without_a_hand_picked_label_are_named_by_their_city() -> None:
    labels = [city_name("Atlantic/Canary", language) for language in ("es", "en", "fr", "ht")]
    assert labels == ["Canarias", "Canaries", "Îles Canaries", "Îles Canaries"]
