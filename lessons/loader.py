"""Load the lesson files into a ``Catalog``, or report every problem in them.

Layout: ``<directory>/<course>/course.yml`` (the course and its delivery
order) next to one ``<lesson-key>.yml`` per lesson; see lessons/FORMAT.md.
Nothing is loaded unless every file is free of errors: a half-loaded catalog
would quietly skip lessons for some learners.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lessons.errors import InvalidCatalog, LessonError, SourceFile, YamlPath, display_path
from lessons.model import Catalog, Course, Lesson, Option, Question
from lessons.validator import (
    ParsedCourse,
    ParsedLesson,
    check_course,
    check_lesson,
    check_unique_lesson_keys,
)
from lessons.yamlfields import FieldReader, read_yaml

COURSE_FILE = "course.yml"


@dataclass(frozen=True)
class CheckResult:
    catalog: Catalog | None  # None when there is any error
    errors: tuple[LessonError, ...]
    warnings: tuple[LessonError, ...]


def load_catalog(directory: Path) -> Catalog:
    """The catalog in ``directory``; raises ``InvalidCatalog`` listing every error."""
    result = check_catalog(directory)
    if result.catalog is None:
        raise InvalidCatalog(list(result.errors))
    return result.catalog


def check_catalog(directory: Path) -> CheckResult:
    """Read and check every file under ``directory``; the catalog only if all is well."""
    problems: list[LessonError] = []
    courses: list[tuple[ParsedCourse | None, list[ParsedLesson]]] = []
    if not directory.is_dir():
        problems.append(LessonError(display_path(directory), None, "", "no such directory"))
    else:
        for stray in sorted(directory.glob("*.y*ml")):
            problems.append(
                LessonError(display_path(stray), None, "", "lesson files go in a course directory")
            )
        for course_dir in sorted(p for p in directory.iterdir() if _is_course_dir(p)):
            courses.append(_read_course_dir(course_dir, problems))
        problems.extend(check_unique_lesson_keys(p for _, ls in courses for p in ls))
    errors = tuple(sorted((p for p in problems if not p.warning), key=_order))
    warnings = tuple(sorted((p for p in problems if p.warning), key=_order))
    catalog = None
    if not errors:  # so every course file was read
        catalog = Catalog(tuple(_assemble(c, ls) for c, ls in courses if c is not None))
    return CheckResult(catalog, errors, warnings)


def _is_course_dir(path: Path) -> bool:
    return path.is_dir() and not path.name.startswith((".", "_"))


def _order(error: LessonError) -> tuple[str, int]:
    return error.file, error.line or 0


def _read_course_dir(
    course_dir: Path, problems: list[LessonError]
) -> tuple[ParsedCourse | None, list[ParsedLesson]]:
    """The course file and the lessons that could be read; every problem into ``problems``."""
    for misnamed in sorted(course_dir.glob("*.yaml")):
        problems.append(LessonError(display_path(misnamed), None, "", "lesson files end in .yml"))
    lesson_paths = sorted(p for p in course_dir.glob("*.yml") if p.name != COURSE_FILE)
    lessons = [
        lesson
        for path in lesson_paths
        if (lesson := _read_lesson(path, course_dir.name, problems)) is not None
    ]
    for lesson in lessons:
        problems.extend(check_lesson(lesson))
    course_path = course_dir / COURSE_FILE
    if not course_path.is_file():
        problems.append(LessonError(display_path(course_dir), None, "", f"missing {COURSE_FILE}"))
        return None, lessons
    course = _read_course(course_path, problems)
    if course is not None:
        problems.extend(check_course(course, {p.stem for p in lesson_paths}, lessons))
    return course, lessons


def _read_course(path: Path, problems: list[LessonError]) -> ParsedCourse | None:
    source = SourceFile(display_path(path))
    raw = read_yaml(path, source, problems)
    if raw is None:
        return None
    fields = FieldReader(source, problems)
    data = fields.mapping(raw, (), required=("key", "title", "lessons"))
    if data is None:
        return None
    key = fields.key(data.get("key"), ("key",))
    title = fields.text(data.get("title"), ("title",))
    listed = [
        fields.key(item, ("lessons", index))
        for index, item in enumerate(fields.sequence(data.get("lessons"), ("lessons",)))
    ]
    if key is None or title is None:
        return None
    return ParsedCourse(
        key=key,
        title=title,
        listed=tuple(item or "" for item in listed),
        source=source,
        directory_name=path.parent.name,
    )


def _read_lesson(path: Path, course_key: str, problems: list[LessonError]) -> ParsedLesson | None:
    source = SourceFile(display_path(path))
    raw = read_yaml(path, source, problems)
    if raw is None:
        return None
    fields = FieldReader(source, problems)
    data = fields.mapping(
        raw, (), required=("key", "title", "body", "questions"), optional=("sources",)
    )
    if data is None:
        return None
    key = fields.key(data.get("key"), ("key",))
    title = fields.text(data.get("title"), ("title",))
    body = fields.text(data.get("body"), ("body",))
    questions = [
        _read_question(item, ("questions", index), fields)
        for index, item in enumerate(fields.sequence(data.get("questions"), ("questions",)))
    ]
    sources = [
        fields.string(item, ("sources", index))
        for index, item in enumerate(fields.sequence(data.get("sources", []), ("sources",)))
    ]
    # A missing list is reported once, as missing, not again as "0 questions".
    if key is None or title is None or body is None or None in questions or "questions" not in data:
        return None
    lesson = Lesson(
        key=key,
        course_key=course_key,
        title=title,
        body=body,
        questions=tuple(q for q in questions if q is not None),
        sources=tuple(s for s in sources if s),
    )
    return ParsedLesson(lesson, source, path.stem)


def _read_question(value: Any, path: YamlPath, fields: FieldReader) -> Question | None:
    data = fields.mapping(value, path, required=("key", "prompt", "options"))
    if data is None:
        return None
    key = fields.key(data.get("key"), (*path, "key"))
    prompt = fields.text(data.get("prompt"), (*path, "prompt"))
    options = [
        _read_option(item, (*path, "options", index), fields)
        for index, item in enumerate(fields.sequence(data.get("options"), (*path, "options")))
    ]
    if key is None or prompt is None or None in options or "options" not in data:
        return None
    return Question(key=key, prompt=prompt, options=tuple(o for o in options if o is not None))


def _read_option(value: Any, path: YamlPath, fields: FieldReader) -> Option | None:
    data = fields.mapping(
        value, path, required=("text", "feedback"), optional=("correct", "button")
    )
    if data is None:
        return None
    text = fields.text(data.get("text"), (*path, "text"))
    feedback = fields.text(data.get("feedback"), (*path, "feedback"))
    correct = fields.boolean(data.get("correct", False), (*path, "correct"))
    button = fields.some_translations(data.get("button", {}), (*path, "button"))
    if text is None or feedback is None or correct is None or button is None:
        return None
    return Option(text=text, correct=correct, feedback=feedback, button=button)


def _assemble(course: ParsedCourse, lessons: list[ParsedLesson]) -> Course:
    by_key = {parsed.lesson.key: parsed.lesson for parsed in lessons}
    return Course(
        key=course.key,
        title=course.title,
        lessons=tuple(by_key[key] for key in course.listed),
    )
