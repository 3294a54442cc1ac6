"""Each class of error in the lesson files: file:line: field: message, and nothing loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessons import InvalidCatalog, check_catalog, load_catalog
from tests.lessons.content_builders import (
    VALID_COURSE,
    VALID_LESSON,
    broken,
    line_of,
    one_lesson,
    write_content,
)

pytestmark = pytest.mark.usefixtures("test_catalogs")

LESSON_FILE = "entrepreneurship/ent-test-idea.yml"
COURSE_FILE = "entrepreneurship/course.yml"


def errors_in(tmp_path: Path, files: dict[str, str]) -> list[str]:
    """The errors for ``files``, after checking that nothing at all was loaded."""
    content = write_content(tmp_path, files)
    result = check_catalog(content)
    assert result.catalog is None
    with pytest.raises(InvalidCatalog) as raised:
        load_catalog(content)
    assert [str(error) for error in raised.value.errors] == [str(e) for e in result.errors]
    return [str(error).replace(f"{content}/", "") for error in result.errors]


def lesson_errors(tmp_path: Path, lesson: str) -> list[str]:
    return errors_in(tmp_path, one_lesson(lesson))


def test_the_valid_lesson_loads(tmp_path):
    catalog = load_catalog(write_content(tmp_path, one_lesson()))
    lesson = catalog.lesson("ent-test-idea")
    assert lesson.title["fr"] == "Teste ton idée"
    assert lesson.body["es"].endswith("y a qué precio.")  # folded, final newline stripped
    assert lesson.questions[0].correct_number == 1
    assert lesson.sources == ("ILO SIYB: Generate Your Business Idea",)


def test_yaml_syntax_error(tmp_path):
    lesson = broken(VALID_LESSON, "  en: Test your idea", "  en: [Test your idea")
    [error] = lesson_errors(tmp_path, lesson)
    assert error.startswith(f"{LESSON_FILE}:{line_of(lesson, 'fr: Teste ton idée')}: YAML syntax")


def test_missing_translation_names_the_language(tmp_path):
    lesson = broken(VALID_LESSON, "  fr: Teste ton idée\n", "")
    assert lesson_errors(tmp_path, lesson) == [
        f"{LESSON_FILE}:{line_of(lesson, 'title:')}: title.fr: missing translation"
    ]


def test_empty_translation_is_missing(tmp_path):
    lesson = broken(VALID_LESSON, "ht: Kisa ou fè anvan?", "ht: ''")
    line = line_of(lesson, "ht: ''")
    assert lesson_errors(tmp_path, lesson) == [
        f"{LESSON_FILE}:{line}: questions[0].prompt.ht: missing translation"
    ]


def test_missing_translation_inside_a_flow_mapping(tmp_path):
    lesson = broken(VALID_LESSON, ", ht: Mande anvan.}", "}")
    line = line_of(lesson, "Primero pregunta.")
    assert lesson_errors(tmp_path, lesson) == [
        f"{LESSON_FILE}:{line}: questions[0].options[1].feedback.ht: missing translation"
    ]


def test_unknown_key_and_unknown_language(tmp_path):
    lesson = broken(VALID_LESSON, "sources:", "sumary: x\nsources:")
    lesson = broken(lesson, "  ht: Teste lide ou\n", "  ht: Teste lide ou\n  pt: Testa\n")
    assert lesson_errors(tmp_path, lesson) == [
        f"{LESSON_FILE}:{line_of(lesson, 'pt: Testa')}: title.pt: unknown key 'pt' "
        "(languages are es, en, fr, ht)",
        f"{LESSON_FILE}:{line_of(lesson, 'sumary')}: sumary: unknown key 'sumary' "
        "(expected one of key, title, body, questions, sources)",
    ]


def test_key_repeated_in_one_mapping(tmp_path):
    lesson = broken(VALID_LESSON, "  en: Test your idea\n", "  en: Test your idea\n  es: Otra\n")
    assert lesson_errors(tmp_path, lesson) == [
        f"{LESSON_FILE}:{line_of(lesson, 'es: Otra')}: title.es: duplicate key: "
        f"'es' is already set on line {line_of(lesson, 'es: Prueba tu idea')}"
    ]


def test_missing_field(tmp_path):
    lesson = broken(VALID_LESSON, "        correct: true\n", "        correct: true\n")
    lesson = broken(lesson, "      - text: {es: Compro", "      - txt: {es: Compro")
    line = line_of(lesson, "txt:")
    assert lesson_errors(tmp_path, lesson) == [
        f"{LESSON_FILE}:{line}: questions[0].options[1].txt: unknown key 'txt' "
        "(expected one of text, feedback, correct, button)",
        f"{LESSON_FILE}:{line}: questions[0].options[1].text: missing field",
    ]


def test_lesson_key_used_twice(tmp_path):
    other_course = VALID_COURSE.replace("entrepreneurship", "digital_safety")
    files = {
        **one_lesson(),
        "digital_safety/course.yml": other_course,
        "digital_safety/ent-test-idea.yml": VALID_LESSON,
    }
    assert errors_in(tmp_path, files) == [
        # Directories are read in name order, so digital_safety's file comes first.
        f"{LESSON_FILE}:2: key: duplicate key: lesson 'ent-test-idea' "
        "is also digital_safety/ent-test-idea.yml:2"
    ]


def test_question_key_repeated_in_a_lesson(tmp_path):
    question = VALID_LESSON[VALID_LESSON.index("  - key: q1") : VALID_LESSON.index("sources:")]
    lesson = broken(VALID_LESSON, "sources:", question + "sources:")
    assert lesson_errors(tmp_path, lesson) == [
        f"{LESSON_FILE}:{line_of(lesson, 'key: q1', 2)}: questions[1].key: duplicate key: "
        f"question 'q1' is already used on line {line_of(lesson, 'key: q1')}"
    ]


def test_lesson_listed_twice_in_the_course(tmp_path):
    course = VALID_COURSE + "  - ent-test-idea\n"
    assert errors_in(tmp_path, one_lesson(course=course)) == [
        f"{COURSE_FILE}:5: lessons[1]: duplicate key: 'ent-test-idea' is already listed on line 4"
    ]


def test_lesson_listed_but_missing(tmp_path):
    course = VALID_COURSE + "  - ent-know-customer\n"
    assert errors_in(tmp_path, one_lesson(course=course)) == [
        f"{COURSE_FILE}:5: lessons[1]: 'ent-know-customer' is listed but "
        "ent-know-customer.yml is missing"
    ]


def test_lesson_file_not_listed(tmp_path):
    other = broken(VALID_LESSON, "key: ent-test-idea", "key: ent-know-customer")
    files = {**one_lesson(), "entrepreneurship/ent-know-customer.yml": other}
    assert errors_in(tmp_path, files) == [
        "entrepreneurship/ent-know-customer.yml:2: key: the lesson is not listed in "
        f"{COURSE_FILE}: add it to 'lessons'"
    ]


def test_key_must_equal_the_file_name(tmp_path):
    lesson = broken(VALID_LESSON, "key: ent-test-idea", "key: ent-test-ideas")
    assert lesson_errors(tmp_path, lesson) == [
        f"{LESSON_FILE}:2: key: 'ent-test-ideas' must equal the file name 'ent-test-idea'"
    ]


def test_course_key_must_equal_the_directory_name(tmp_path):
    course = broken(VALID_COURSE, "key: entrepreneurship", "key: business")
    assert errors_in(tmp_path, one_lesson(course=course)) == [
        f"{COURSE_FILE}:1: key: 'business' must equal the directory name 'entrepreneurship'"
    ]


@pytest.mark.parametrize(
    ("old", "new", "count"),
    [
        ("        correct: true\n", "", 0),
        (
            "        feedback: {es: Primero",
            "        correct: true\n        feedback: {es: Primero",
            2,
        ),
    ],
)
def test_quiz_without_exactly_one_right_answer(tmp_path, old, new, count):
    lesson = broken(VALID_LESSON, old, new)
    assert lesson_errors(tmp_path, lesson) == [
        f"{LESSON_FILE}:{line_of(lesson, 'options:')}: questions[0].options: "
        f"{count} options are marked 'correct: true'; exactly one must be"
    ]


def test_one_or_two_questions(tmp_path):
    question = VALID_LESSON[VALID_LESSON.index("  - key: q1") : VALID_LESSON.index("sources:")]
    extra = question.replace("key: q1", "key: q2") + question.replace("key: q1", "key: q3")
    lesson = broken(VALID_LESSON, "sources:", extra + "sources:")
    assert lesson_errors(tmp_path, lesson) == [
        f"{LESSON_FILE}:{line_of(lesson, 'questions:')}: questions: 3 questions; "
        "a lesson has 1 or 2"
    ]
    none = VALID_LESSON.replace(question, "").replace("questions:\n", "questions: []\n")
    assert errors_in(tmp_path / "none", one_lesson(none)) == [
        f"{LESSON_FILE}:{line_of(none, 'questions:')}: questions: 0 questions; a lesson has 1 or 2"
    ]


def test_three_to_four_options(tmp_path):
    # Two options let a blind guess score half: the checker refuses them.
    second_wrong = VALID_LESSON.index("      - text: {es: Compro")
    third_wrong = VALID_LESSON.index("      - text: {es: Espero")
    end = VALID_LESSON.index("sources:")
    two = VALID_LESSON[:third_wrong] + VALID_LESSON[end:]
    assert lesson_errors(tmp_path / "two", two) == [
        f"{LESSON_FILE}:{line_of(two, 'options:')}: questions[0].options: 2 options; "
        "a question has 3 to 4"
    ]
    one = VALID_LESSON[:second_wrong] + VALID_LESSON[end:]
    assert lesson_errors(tmp_path / "one", one) == [
        f"{LESSON_FILE}:{line_of(one, 'options:')}: questions[0].options: 1 option; "
        "a question has 3 to 4"
    ]
    wrong = VALID_LESSON[third_wrong:end]
    four = VALID_LESSON[:end] + wrong + VALID_LESSON[end:]
    assert check_catalog(write_content(tmp_path / "four", one_lesson(four))).errors == ()
    five = VALID_LESSON[:end] + wrong * 2 + VALID_LESSON[end:]
    assert (
        f"{LESSON_FILE}:{line_of(five, 'options:')}: questions[0].options: 5 options; "
        "a question has 3 to 4"
    ) in lesson_errors(tmp_path / "five", five)


def test_wrong_kinds_of_value(tmp_path):
    lesson = broken(VALID_LESSON, "correct: true", 'correct: "yes"')
    lesson = broken(lesson, "key: q1", "key: Q 1")
    assert lesson_errors(tmp_path, lesson) == [
        f"{LESSON_FILE}:{line_of(lesson, 'key: Q 1')}: questions[0].key: 'Q 1' is not a key: "
        "use lowercase letters, digits, - and _",
        f"{LESSON_FILE}:{line_of(lesson, 'correct:')}: questions[0].options[0].correct: "
        "expected true or false, got 'yes'",
    ]


def test_empty_lesson_file(tmp_path):
    assert lesson_errors(tmp_path, "# nothing yet\n") == [f"{LESSON_FILE}:1: the file is empty"]


def test_course_directory_without_course_file(tmp_path):
    files = {LESSON_FILE: VALID_LESSON}
    assert errors_in(tmp_path, files) == ["entrepreneurship: missing course.yml"]


def test_missing_directory(tmp_path):
    result = check_catalog(tmp_path / "nowhere")
    assert result.catalog is None
    assert [str(error) for error in result.errors] == [f"{tmp_path / 'nowhere'}: no such directory"]


def test_one_broken_file_loads_nothing_and_every_error_is_listed(tmp_path):
    good = broken(VALID_LESSON, "key: ent-test-idea", "key: ent-know-customer")
    bad = broken(VALID_LESSON, "  fr: Teste ton idée\n", "")
    bad = broken(bad, "sources:", "sumary: x\nsources:")
    course = VALID_COURSE + "  - ent-know-customer\n"
    files = {**one_lesson(bad, course), "entrepreneurship/ent-know-customer.yml": good}
    errors = errors_in(tmp_path, files)
    assert [error.split(": ")[0] for error in errors] == [
        f"{LESSON_FILE}:{line_of(bad, 'title:')}",
        f"{LESSON_FILE}:{line_of(bad, 'sumary')}",
    ]
