"""SMS segment counting against hand-checked cases (Twilio's rules)."""

from __future__ import annotations

import pytest

from bot.text.sms import analyse, split_segments, strip_accents_for_gsm

EMOJI = "\U0001f600"  # 😀: one character, a surrogate pair in UTF-16


@pytest.mark.parametrize(
    ("text", "units", "segments"),
    [
        ("", 0, 0),
        ("a" * 160, 160, 1),
        ("a" * 161, 161, 2),
        ("a" * 306, 306, 2),
        ("a" * 307, 307, 3),
        ("line one\nline two", 17, 1),
    ],
)
def test_plain_ascii_is_gsm7_160_single_153_multipart(text, units, segments):
    info = analyse(text)
    assert (info.encoding, info.units, info.segments) == ("GSM-7", units, segments)
    assert info.characters == len(text)
    assert info.non_gsm_chars == ()


@pytest.mark.parametrize("char", ["€", "[", "]", "{", "}", "\\", "^", "~", "|"])
def test_extension_table_characters_stay_gsm7_and_count_two(char):
    info = analyse(char)
    assert (info.encoding, info.characters, info.units) == ("GSM-7", 1, 2)


def test_eighty_euro_signs_fill_one_segment_and_one_more_character_needs_two():
    assert analyse("€" * 80).segments == 1
    assert analyse("€" * 80 + "a").segments == 2


def test_escape_pair_at_the_153_boundary_moves_to_the_next_segment():
    text = "a" * 152 + "€" + "a" * 10
    assert split_segments(text) == ["a" * 152, "€" + "a" * 10]
    # 306 septets would fit two full segments, but the € cannot be split.
    text = "a" * 152 + "€" + "a" * 152
    info = analyse(text)
    assert (info.units, info.segments) == (306, 3)
    assert [len(part) for part in split_segments(text)] == [152, 152, 1]


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("á" * 70, 1),
        ("á" * 71, 2),
        ("a" * 69 + "á", 1),
        ("a" * 70 + "á", 2),
        ("á" * 134, 2),
        ("á" * 135, 3),
    ],
)
def test_one_accent_forces_ucs2_with_70_single_67_multipart(text, segments):
    info = analyse(text)
    assert (info.encoding, info.units, info.segments) == ("UCS-2", len(text), segments)
    assert info.non_gsm_chars == ("á",)


def test_characters_that_forced_ucs2_are_listed_once_in_order():
    assert analyse("¿Cómo estás? Año, café, ación").non_gsm_chars == ("ó", "á")


def test_gsm7_letters_used_in_spanish_french_and_creole_stay_gsm7():
    assert analyse("¿Qué? ¡Año! pingüino, très, où, Ça, É, è, ò, à, ì").encoding == "GSM-7"
    assert analyse("ç").encoding == "UCS-2"  # only the capital Ç is in GSM-7


def test_emoji_is_one_character_and_two_utf16_units():
    info = analyse(EMOJI)
    assert (info.encoding, info.characters, info.units, info.segments) == ("UCS-2", 1, 2, 1)
    assert analyse(EMOJI * 35).segments == 1
    assert analyse(EMOJI * 36).segments == 2


def test_surrogate_pair_at_the_67_boundary_moves_to_the_next_segment():
    text = "a" * 66 + EMOJI + "a" * 10
    assert split_segments(text) == ["a" * 66, EMOJI + "a" * 10]
    # 134 units would fit two full segments, but the emoji cannot be split.
    text = "a" * 66 + EMOJI + "a" * 66
    info = analyse(text)
    assert (info.characters, info.units, info.segments) == (133, 134, 3)


def test_split_segments_of_a_single_segment_message_is_the_message():
    assert split_segments("hola") == ["hola"]
    assert split_segments("") == []


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("es", "¿Cuánto? Lección rápida, ¡sí! Él", "¿Cuanto? Leccion rapida, ¡si! Él"),
        ("es", "Año, pingüino, café, ÁREA", "Año, pingüino, café, AREA"),
        ("fr", "Ça coûte très cher, l’œuvre", "Ça coute très cher, l'oeuvre"),
        ("fr", "« être » — naïf…", '" etre " - naif...'),
        ("fr", "Où es-tu ? À Noël, forêt, Île", "Où es-tu ? A Noel, foret, Ile"),
    ],
)
def test_accent_free_rendering_keeps_gsm7_letters_and_replaces_the_rest(language, text, expected):
    assert strip_accents_for_gsm(text, language) == expected
    assert analyse(expected).encoding == "GSM-7"


def test_accent_free_rendering_maps_french_no_break_spaces():
    assert strip_accents_for_gsm("Que fais-tu\u00a0? Oui\u202f!", "fr") == "Que fais-tu ? Oui !"


def test_accent_free_rendering_keeps_a_decomposed_accent_that_gsm7_has():
    assert strip_accents_for_gsm("cafe\u0301 y lecho\u0301n", "es") == "café y lechon"


@pytest.mark.parametrize("language", ["en", "ht"])
def test_accent_free_rendering_leaves_other_languages_alone(language):
    assert strip_accents_for_gsm("Èske w konnen? It’s “fine”", language) == (
        "Èske w konnen? It’s “fine”"
    )


def test_accent_free_rendering_keeps_what_has_no_gsm7_spelling():
    assert strip_accents_for_gsm("Precio → 5 " + EMOJI, "es") == "Precio → 5 " + EMOJI
