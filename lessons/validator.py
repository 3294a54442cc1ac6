"""The rules a parsed lesson must follow beyond its shape.

Every problem is a ``LessonError`` naming the file, the line and the field
(see lessons/errors.py). Errors stop the catalog from loading; warnings are
printed by ``lessonbot lessons check`` but do not.

Sizes are measured on the exact SMS rendering (``bot.text.render``) in every
language, both as written and in the accent-free rendering: a lesson in at
most 3 segments, a question with its options and footer in 2, each feedback
in 2.

WhatsApp buttons: a ``button`` title that WhatsApp would cut (longer than
its limit for the question's number of options), empty, or the same as
another option's title in that language is an error. A question with buttons
where another option's text does not fit a title gets a warning: WhatsApp
then shows every option by its number, and the buttons are wasted.

Characters, decided as follows:
- error: control and invisible format characters (NUL, tab, zero-width space,
  BOM...), private-use or unassigned code points, and emoji. They garble or
  vanish on basic phones, and an emoji also forces the whole SMS into UCS-2.
- warning: any other character outside GSM-7 that the language does not need
  (typographic quotes, dashes, "…", no-break spaces, a Creole "È"): it costs
  2-3 times the segments. Accented letters in Spanish and French are expected,
  since the accent-free rendering can bring them back into GSM-7.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass

from bot.text.choices import LIST_ITEM_MOST, QUICK_REPLY_MOST_BUTTONS, QUICK_REPLY_TITLE_MOST
from bot.text.render import ChannelName, Message, render
from bot.text.sms import ACCENT_FREE_LANGUAGES, analyse, gsm_replacement, is_gsm7
from lessons.errors import InvalidCatalog, LessonError, SourceFile, YamlPath
from lessons.model import LANGUAGES, Lesson, Question, Text
from lessons.render import feedback_message, lesson_message, question_message

__all__ = ["InvalidCatalog", "LessonError", "check_course", "check_lesson"]

MAX_LESSON_SEGMENTS = 3  # title + body
MAX_QUESTION_SEGMENTS = 2  # prompt + numbered options + "Reply 1, 2 or 3"
MAX_FEEDBACK_SEGMENTS = 2
MIN_QUESTIONS, MAX_QUESTIONS = 1, 2
# Three options at least: with two, a blind guess is right half the time and the
# quiz measures little.
MIN_OPTIONS, MAX_OPTIONS = 3, 4


@dataclass(frozen=True)
class ParsedLesson:
    lesson: Lesson
    source: SourceFile
    file_stem: str


@dataclass(frozen=True)
class ParsedCourse:
    key: str
    title: Text
    listed: tuple[str, ...]  # lesson keys in delivery order, as written
    source: SourceFile
    directory_name: str


def check_course(
    course: ParsedCourse, lesson_files: Collection[str], lessons: Sequence[ParsedLesson]
) -> Iterator[LessonError]:
    """The course file against the lesson files in its directory (by file name)."""
    source = course.source
    if course.key != course.directory_name:
        yield source.error(
            ("key",), f"{course.key!r} must equal the directory name {course.directory_name!r}"
        )
    if not course.listed:
        yield source.error(("lessons",), "a course lists at least one lesson")
    first_line: dict[str, int] = {}
    for index, key in enumerate(course.listed):
        if key in first_line:
            yield source.error(
                ("lessons", index),
                f"duplicate key: {key!r} is already listed on line {first_line[key]}",
            )
        elif key not in lesson_files:
            yield source.error(("lessons", index), f"{key!r} is listed but {key}.yml is missing")
        first_line.setdefault(key, source.line(("lessons", index)))
    for parsed in lessons:
        if parsed.file_stem not in first_line:
            yield parsed.source.error(
                ("key",), f"the lesson is not listed in {source.display}: add it to 'lessons'"
            )
    titles = ((("title", language), language, course.title[language]) for language in LANGUAGES)
    yield from check_characters(source, titles)


def check_unique_lesson_keys(lessons: Iterable[ParsedLesson]) -> Iterator[LessonError]:
    """A lesson key used by two files anywhere in the catalog."""
    first: dict[str, ParsedLesson] = {}
    for parsed in lessons:
        key = parsed.lesson.key
        if key in first:
            other = first[key].source
            yield parsed.source.error(
                ("key",),
                f"duplicate key: lesson {key!r} is also {other.display}:{other.line(('key',))}",
            )
        first.setdefault(key, parsed)


def check_lesson(parsed: ParsedLesson) -> Iterator[LessonError]:
    """Every rule a lesson breaks: quiz shape, SMS sizes, characters."""
    lesson, source = parsed.lesson, parsed.source
    if lesson.key != parsed.file_stem:
        yield source.error(
            ("key",), f"{lesson.key!r} must equal the file name {parsed.file_stem!r}"
        )
    yield from _check_quiz_shape(parsed)
    yield from _check_sizes(parsed)
    for index, question in enumerate(lesson.questions):
        yield from _check_buttons(source, ("questions", index), question)
    yield from check_characters(parsed.source, _texts(parsed.lesson))


def _check_quiz_shape(parsed: ParsedLesson) -> Iterator[LessonError]:
    lesson, source = parsed.lesson, parsed.source
    if not MIN_QUESTIONS <= len(lesson.questions) <= MAX_QUESTIONS:
        yield source.error(
            ("questions",),
            f"{_plural(len(lesson.questions), 'question')}; "
            f"a lesson has {MIN_QUESTIONS} or {MAX_QUESTIONS}",
        )
    first_line: dict[str, int] = {}
    for index, question in enumerate(lesson.questions):
        path: YamlPath = ("questions", index)
        if question.key in first_line:
            yield source.error(
                (*path, "key"),
                f"duplicate key: question {question.key!r} is already used on line "
                f"{first_line[question.key]}",
            )
        first_line.setdefault(question.key, source.line((*path, "key")))
        if not MIN_OPTIONS <= len(question.options) <= MAX_OPTIONS:
            yield source.error(
                (*path, "options"),
                f"{_plural(len(question.options), 'option')}; "
                f"a question has {MIN_OPTIONS} to {MAX_OPTIONS}",
            )
        right = sum(option.correct for option in question.options)
        if right != 1:
            yield source.error(
                (*path, "options"),
                f"{right} options are marked 'correct: true'; exactly one must be",
            )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _check_sizes(parsed: ParsedLesson) -> Iterator[LessonError]:
    lesson, source = parsed.lesson, parsed.source
    for language in LANGUAGES:
        yield from _check_size(
            source,
            ("body", language),
            lesson_message(lesson, language),
            language,
            MAX_LESSON_SEGMENTS,
            "the lesson (title and body)",
        )
        for q_index, question in enumerate(lesson.questions):
            q_path: YamlPath = ("questions", q_index)
            yield from _check_size(
                source,
                (*q_path, "prompt", language),
                question_message(question, language),
                language,
                MAX_QUESTION_SEGMENTS,
                "the question with its options",
            )
            for o_index, option in enumerate(question.options):
                yield from _check_size(
                    source,
                    (*q_path, "options", o_index, "feedback", language),
                    feedback_message(option, language),
                    language,
                    MAX_FEEDBACK_SEGMENTS,
                    "the feedback",
                )


def _check_size(
    source: SourceFile, path: YamlPath, message: Message, language: str, limit: int, what: str
) -> Iterator[LessonError]:
    renderings = {"": False}
    if language in ACCENT_FREE_LANGUAGES:
        renderings[" in the accent-free rendering"] = True
    for label, accent_free in renderings.items():
        info = analyse(render(message, ChannelName.SMS, language, accent_free=accent_free))
        if info.segments > limit:
            yield source.error(
                path,
                f"too long: {what} is {info.segments} SMS segments{label} "
                f"({info.characters} characters, {info.encoding}); at most {limit}",
            )
            return  # one error per part is enough to act on


def title_limit(option_count: int) -> int:
    """The longest button title WhatsApp shows whole for a question with ``option_count``."""
    if option_count <= QUICK_REPLY_MOST_BUTTONS:
        return QUICK_REPLY_TITLE_MOST  # quick-reply buttons
    return LIST_ITEM_MOST  # a list picker's items


def _check_buttons(source: SourceFile, path: YamlPath, question: Question) -> Iterator[LessonError]:
    count = len(question.options)
    limit = title_limit(count)
    shape = "buttons" if count <= QUICK_REPLY_MOST_BUTTONS else "list items"
    for language in LANGUAGES:
        buttons = [option.button.get(language) for option in question.options]
        if all(button is None for button in buttons):
            continue
        titles = [
            (button or option.text[language]).casefold()
            for button, option in zip(buttons, question.options, strict=True)
        ]
        for index, button in enumerate(buttons):
            o_path: YamlPath = (*path, "options", index)
            if button is None:
                text = question.options[index].text[language]
                if len(text) > limit:
                    yield source.error(
                        (*o_path, "text", language),
                        f"{len(text)} characters, too long for a WhatsApp title (at most "
                        f"{limit}) and no button: every option of this question is shown by "
                        "its number, buttons included",
                        warning=True,
                    )
                continue
            b_path: YamlPath = (*o_path, "button", language)
            if not button:
                yield source.error(
                    b_path, "empty button: leave the language out to show the option's text"
                )
            elif len(button) > limit:
                yield source.error(
                    b_path,
                    f"too long: {len(button)} characters; WhatsApp cuts titles of {shape} "
                    f"after {limit} ({count} options)",
                )
            # A pair of buttons is reported once, on the later one.
            same = [
                other
                for other, title in enumerate(titles)
                if other != index
                and title == titles[index]
                and (other < index or buttons[other] is None)
            ]
            if button and same:
                yield source.error(
                    b_path,
                    f"{button!r} is also option {same[0] + 1}'s title: "
                    "WhatsApp would show two buttons alike",
                )


def check_characters(
    source: SourceFile, texts: Iterable[tuple[YamlPath, str, str]]
) -> Iterator[LessonError]:
    """Characters that would break or bloat an SMS, in (path, language, text)."""
    for path, language, text in texts:
        for char in dict.fromkeys(text):
            problem = _character_problem(char, language)
            if problem is not None:
                message, warning = problem
                yield source.error(path, message, warning=warning)


def _character_problem(char: str, language: str) -> tuple[str, bool] | None:
    """(message, is_warning) for a character that would break or bloat an SMS."""
    name = f"{char!r} (U+{ord(char):04X} {unicodedata.name(char, 'unnamed')})"
    # Checked before GSM-7: CR and form feed are in its tables but still break
    # the layout of a message.
    if char != "\n" and unicodedata.category(char) in ("Cc", "Cf", "Co", "Cn", "Cs"):
        return f"{name} is a control or invisible character: remove it", False
    if is_gsm7(char):
        return None
    if _is_emoji(char):
        return f"{name}: no emoji in lessons; they break on basic phones and force UCS-2", False
    replacement = gsm_replacement(char)
    if language in ACCENT_FREE_LANGUAGES and char.isalpha() and replacement != char:
        return None  # an accent: the accent-free rendering handles it
    hint = f" (use {replacement!r})" if replacement != char else ""
    return f"{name} is not in GSM-7 and forces the whole SMS into UCS-2{hint}", True


def _is_emoji(char: str) -> bool:
    code = ord(char)
    # Astral planes (emoji, pictographs), misc symbols and dingbats, and the
    # variation selectors that turn a plain symbol into an emoji.
    return code > 0xFFFF or 0x2600 <= code <= 0x27BF or 0xFE00 <= code <= 0xFE0F


def _texts(lesson: Lesson) -> Iterator[tuple[YamlPath, str, str]]:
    """Every translated text of the lesson as (path, language, text)."""
    for language in LANGUAGES:
        yield ("title", language), language, lesson.title[language]
        yield ("body", language), language, lesson.body[language]
        for q_index, question in enumerate(lesson.questions):
            q_path: YamlPath = ("questions", q_index)
            yield (*q_path, "prompt", language), language, question.prompt[language]
            for o_index, option in enumerate(question.options):
                o_path: YamlPath = (*q_path, "options", o_index)
                yield (*o_path, "text", language), language, option.text[language]
                yield (*o_path, "feedback", language), language, option.feedback[language]
