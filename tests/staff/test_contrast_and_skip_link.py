"""Form fields' borders stand out (WCAG 1.4.11: 3:1) and every page starts with a skip link."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT
from tests.dashboard.conftest import PASSWORD, USERS
from tests.dashboard.pages import log_in

STYLESHEETS = sorted((PROJECT_ROOT / "bot").glob("*/static/*.css"))
_VARIABLE = re.compile(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\b")
_RULE = re.compile(r"([^{}]+)\{([^}]*)\}")
_BORDER_COLOUR = re.compile(r"border(?:-color)?:[^;]*?(var\(--[\w-]+\)|#[0-9a-fA-F]{6})")
_FIELDS = re.compile(r"(?<![\w-])(input|select|textarea)(?![\w-])")


def luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def field_borders() -> list[tuple[Path, str, str]]:
    """(file, selector, colour) of every rule giving a form field a border colour."""
    variables: dict[str, str] = {}
    for sheet in STYLESHEETS:
        variables.update(_VARIABLE.findall(sheet.read_text()))
    found = []
    for sheet in STYLESHEETS:
        text = re.sub(r"/\*.*?\*/", "", sheet.read_text(), flags=re.S)
        for selector, body in _RULE.findall(text):
            if not _FIELDS.search(selector) or "aria-invalid" in selector:
                continue
            for colour in _BORDER_COLOUR.findall(body):
                if colour.startswith("var("):
                    colour = variables[colour[6:-1]]
                found.append((sheet, selector.strip(), colour))
    return found


def test_the_formula_matches_wcag_reference_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert contrast("#cbd2d9", "#ffffff") < 3  # the old border: 1.5:1


def test_every_field_border_has_3_to_1_against_white_and_the_panel():
    borders = field_borders()
    assert len(borders) >= 4  # inputs, the tag, compose and reply text boxes
    panel = dict(_VARIABLE.findall((PROJECT_ROOT / "bot/staff/static/staff.css").read_text()))[
        "panel"
    ]
    for sheet, selector, colour in borders:
        for background in ("#ffffff", panel):
            ratio = contrast(colour, background)
            assert ratio >= 3, f"{sheet.name} {selector}: {colour} on {background} is {ratio:.2f}"


@pytest.mark.parametrize("path", ["/staff/password", "/dashboard/", "/tags/", "/broadcasts/new"])
def test_the_skip_link_is_the_first_focusable_element(client, path):
    log_in(client, USERS["admin"], PASSWORD)
    page = client.get(path, headers={"Accept-Language": "es"}).get_data(as_text=True)
    body = page.split("<body>", 1)[1]
    first = re.search(r"<(a|button|input|select|textarea)\b[^>]*>", body)
    assert first and first.group(0) == '<a class="skip-link" href="#content">'
    assert "Saltar al contenido" in body
    assert '<main id="content"' in body
