"""The lessons shipped in lessons/content pass every check of `lessonbot lessons check`."""

from __future__ import annotations

import pytest

from bot.settings import PROJECT_ROOT
from lessons import LANGUAGES, check_catalog

CONTENT = PROJECT_ROOT / "lessons" / "content"

# Uses the compiled catalogs when `make catalogs` has run, so that the footers
# ("Responde 1, 2 o 3") are measured as they will really be sent.
pytestmark = pytest.mark.usefixtures("shipped_catalogs")


def test_shipped_lessons_pass_the_checker():
    result = check_catalog(CONTENT)
    assert [str(error) for error in result.errors] == []
    assert result.catalog is not None


def test_two_courses_of_at_least_sixteen_lessons_each_in_four_languages():
    catalog = check_catalog(CONTENT).catalog
    assert catalog is not None
    assert {course.key: len(course.lessons) >= 16 for course in catalog.courses} == {
        "digital_safety": True,
        "entrepreneurship": True,
    }
    assert all(set(lesson.title) == set(LANGUAGES) for lesson in catalog.lessons)
