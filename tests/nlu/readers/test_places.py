"""Where the learner says they are, in es, en, fr and ht: a country, and a zone when it is clear."""

from __future__ import annotations

import pytest

from nlu.actions.readers.places import Place, read_place


@pytest.mark.parametrize(
    ("text", "country", "zone"),
    [
        # One zone for the whole country: the zone at once.
        ("estoy en Costa Rica ahora", "CR", "America/Costa_Rica"),
        ("ZONA Colombia", "CO", "America/Bogota"),
        ("je suis en Colombie", "CO", "America/Bogota"),
        ("mwen nan Ayiti kounye a", "HT", "America/Port-au-Prince"),
        ("Estoy en PANAMÁ!", "PA", "America/Panama"),
        ("vivo en Venezuela", "VE", "America/Caracas"),
        ("I'm in Peru now", "PE", "America/Lima"),
        ("vivo en Italia", "IT", "Europe/Rome"),
        ("je suis en Italie maintenant", "IT", "Europe/Rome"),
        ("mwen nan Itali", "IT", "Europe/Rome"),
        ("I moved to Japan", "JP", "Asia/Tokyo"),
        ("Argentina", "AR", "America/Argentina/Buenos_Aires"),
        ("je suis au Pérou", "PE", "America/Lima"),
        ("La Habana", "CU", "America/Havana"),
        ("Rep. Dominicana", "DO", "America/Santo_Domingo"),
        ("kounye a m nan Nikaragwa", "NI", "America/Managua"),
        ("Honduras", "HN", "America/Tegucigalpa"),
        ("I moved to El Salvador", "SV", "America/El_Salvador"),
        ("Guatemala", "GT", "America/Guatemala"),
        # Several zones: the country only, unless a city says which.
        ("I moved to Mexico", "MX", None),
        ("mwen nan Chili kounye a", "CL", None),
        ("me fui a EE.UU.", "US", None),
        ("mwen rive Ozetazini", "US", None),
        ("je vis au Brésil", "BR", None),
        ("Canada", "CA", None),
        ("estoy en España", "ES", None),
        ("I'm in Spain", "ES", None),
        ("mwen nan Espay", "ES", None),
        # Ecuador keeps the Galápagos an hour behind the mainland.
        ("I'm in Ecuador", "EC", None),
        ("estoy en Quito", "EC", "America/Guayaquil"),
        ("estoy en Tapachula", "MX", "America/Mexico_City"),
        ("ya llegué a Ciudad Juárez", "MX", "America/Ciudad_Juarez"),
        ("ahora vivo en Miami", "US", "America/New_York"),
        ("estoy en Houston Texas", "US", "America/Chicago"),
        ("je suis à Montréal", "CA", "America/Toronto"),
        ("Santiago de Chile", "CL", "America/Santiago"),
        ("vivo en Madrid", "ES", "Europe/Madrid"),
        ("estoy en Tenerife, Canarias", "ES", "Atlantic/Canary"),
        ("I live in Rome", "IT", "Europe/Rome"),
        ("estoy en Lima", "PE", "America/Lima"),
        ("I'm in Chicago now", "US", "America/Chicago"),
        ("me fui a Los Angeles", "US", "America/Los_Angeles"),
        ("mwen nan Nouyòk", "US", "America/New_York"),
        # The longer name wins.
        ("Nuevo México", "US", "America/Denver"),
        ("Ciudad de Panamá", "PA", "America/Panama"),
        # Several places: the one the learner is in now.
        ("me mudé de Colombia a Costa Rica", "CR", "America/Costa_Rica"),
        ("soy de Venezuela pero estoy en Panamá", "PA", "America/Panama"),
        ("I moved from Haiti to Chile", "CL", None),
    ],
)
def test_a_named_place(text: str, country: str, zone: str | None) -> None:
    assert read_place(text) == Place(country, zone)


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "cambiar zona horaria",
        "estoy en Narnia",
        "I moved",
        "de Colombia y de Mexico",
        # CLDR names that are everyday words or names are not read as places.
        "Chad me dijo",
        "I talked to Jordan",
        "Georgia",
        # A name two countries share names neither.
        "Congo",
    ],
)
def test_no_clear_place(text: str | None) -> None:
    assert read_place(text) is None
