"""Reading a preferred time of day and a pause length from free text."""

from __future__ import annotations

import pytest

from nlu.actions.readers.timeparse import parse_days, parse_time


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("a las 7 de la noche", "es", "19:00"),
        ("7 de la mañana", "es", "07:00"),
        ("a la una de la tarde", "es", "13:00"),
        ("a las 8 y media", "es", "08:30"),
        ("a las 6 y media de la tarde", "es", "18:30"),
        ("12 de la noche", "es", "00:00"),
        ("al mediodía", "es", "12:00"),
        ("prefiero en la mañana", "es", "08:00"),
        ("en la tarde", "es", "17:00"),
        ("mejor en la noche", "es", "19:00"),
        ("buenas tardes, prefiero en la mañana", "es", "08:00"),
        ("HORA 19", "es", "19:00"),
        ("19", "es", "19:00"),
        ("19:30", "es", "19:30"),
        ("7", "es", "07:00"),
        ("a las 3", "es", "15:00"),
        ("7pm", "en", "19:00"),
        ("7 p.m.", "en", "19:00"),
        ("7:30 PM", "en", "19:30"),
        ("8am", "en", "08:00"),
        ("12pm", "en", "12:00"),
        ("12am", "en", "00:00"),
        ("in the evening", "en", "19:00"),
        ("good morning, 7pm please", "en", "19:00"),
        ("I am free at 3", "en", "15:00"),
        ("le soir", "fr", "19:00"),
        ("le matin", "fr", "08:00"),
        ("l'après-midi", "fr", "17:00"),
        ("à 19h", "fr", "19:00"),
        ("19h30", "fr", "19:30"),
        ("sept heures du soir", "fr", "19:00"),
        ("à midi", "fr", "12:00"),
        ("nan maten", "ht", "08:00"),
        ("nan aswè", "ht", "19:00"),
        ("a 7è di swa", "ht", "19:00"),
        ("7è30 nan aswè", "ht", "19:30"),
        ("sèt è di swa", "ht", "19:00"),
        ("LÈ 19", "ht", "19:00"),
        ("apremidi", "ht", "17:00"),
    ],
)
def test_times_are_read(text, language, expected):
    assert parse_time(text, language) == expected


@pytest.mark.parametrize(
    ("text", "language"),
    [("", "es"), (None, "es"), ("hola", "es"), ("25", "es"), ("19:75", "es"), ("de", "es")],
)
def test_what_is_no_time_is_none(text, language):
    assert parse_time(text, language) is None


def test_number_words_shared_with_other_languages_count_only_in_their_own():
    assert parse_time("a de è apremidi", "ht") == "14:00"  # Creole "two"
    assert parse_time("en la noche", "es") == "19:00"  # Spanish "in", not Creole "one"
    assert parse_time("de la tarde", "es") == "17:00"


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("PAUSA", 7), ("pausa 3", 3), ("PAUSA 3 dias", 3), ("pausa 2 semanas", 14),
        ("pause une semaine", 7), ("pause 10 jours", 10), ("POZ 1 mwa", 30),
        ("estoy de viaje", 7), ("pausa 500", 90), ("pausa 0", 1), ("", 7),
        # Number words right before a unit, in any of the four languages.
        ("paren las lecciones por dos semanas", 14), ("pause for three days", 3),
        ("pause deux semaines", 14), ("kanpe de semèn", 14), ("pausa de una semana", 7),
        ("pausa un mes", 30), ("de viaje tres semanas", 21),
    ],
)  # fmt: skip
def test_pause_days(text, days):
    assert parse_days(text) == days
