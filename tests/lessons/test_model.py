"""The loaded catalog as the bot uses it: order, look-ups, next lesson, answers."""

from __future__ import annotations

import pytest

from lessons import Catalog, load_catalog
from tests.lessons.content_builders import VALID_COURSE, VALID_LESSON, broken, write_content

pytestmark = pytest.mark.usefixtures("test_catalogs")

KEYS = ("ent-test-idea", "ent-know-customer", "ent-costs-price")


@pytest.fixture
def catalog(tmp_path) -> Catalog:
    # Listed in an order that is not the files' alphabetical order.
    course = VALID_COURSE.replace("  - ent-test-idea\n", "".join(f"  - {k}\n" for k in KEYS))
    files = {"entrepreneurship/course.yml": course}
    for key in KEYS:
        files[f"entrepreneurship/{key}.yml"] = broken(
            VALID_LESSON, "key: ent-test-idea", f"key: {key}"
        )
    second = broken(VALID_LESSON, "key: ent-test-idea", "key: ds-passphrases")
    files["digital_safety/ds-passphrases.yml"] = second
    other_course = VALID_COURSE.replace("entrepreneurship", "digital_safety")
    files["digital_safety/course.yml"] = other_course.replace("ent-test-idea", "ds-passphrases")
    return load_catalog(write_content(tmp_path, files))


def test_lessons_follow_the_course_file_order(catalog):
    assert [course.key for course in catalog.courses] == ["digital_safety", "entrepreneurship"]
    assert tuple(lesson.key for lesson in catalog.course("entrepreneurship").lessons) == KEYS
    assert catalog.lesson("ent-costs-price").course_key == "entrepreneurship"
    assert len(catalog.lessons) == 4


def test_unknown_keys_raise_key_error(catalog):
    with pytest.raises(KeyError, match="unknown lesson 'nope'"):
        catalog.lesson("nope")
    with pytest.raises(KeyError, match="unknown course 'nope'"):
        catalog.course("nope")


def test_next_lesson_is_the_first_not_delivered_in_course_order(catalog):
    course = catalog.course("entrepreneurship")
    assert course.next_lesson(set()).key == "ent-test-idea"
    assert course.next_lesson({"ent-test-idea"}).key == "ent-know-customer"
    # A lesson delivered out of order (e.g. after the order changed) is not repeated.
    assert course.next_lesson({"ent-test-idea", "ent-costs-price"}).key == "ent-know-customer"
    assert course.next_lesson(set(KEYS)) is None


def test_questions_know_their_right_answer_by_number(catalog):
    question = catalog.lesson("ent-test-idea").question("q1")
    assert question.correct_number == 1
    assert question.option(2).correct is False
    assert question.option(0) is None
    assert question.option(3).text["en"] == "Wait"
    assert question.option(4) is None
