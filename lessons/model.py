"""The typed lesson catalog: courses, lessons, questions and options.

Built only by ``lessons.loader`` from validated files, so code that receives a
``Catalog`` can rely on the rules in lessons/FORMAT.md: every text in every
language, 1-2 questions per lesson, 3-4 options, exactly one right answer;
an option's WhatsApp ``button`` title fits and may leave languages out.
Learners' progress is stored against the stable ``key`` of lessons and
questions, never against positions or titles.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

# Spanish is the base language; every translatable text exists in all of them.
from bot.text.languages import LANGUAGES

__all__ = ["LANGUAGES", "Catalog", "Course", "Lesson", "Option", "Question", "Text"]

# A translatable text: language code -> text.
Text = Mapping[str, str]


@dataclass(frozen=True)
class Option:
    text: Text
    correct: bool
    feedback: Text
    # WhatsApp's button (or list item) title, in the languages that have one;
    # the others show ``text`` (bot.text.choices).
    button: Text = field(default_factory=dict)


@dataclass(frozen=True)
class Question:
    key: str
    prompt: Text
    options: tuple[Option, ...]

    @property
    def correct_number(self) -> int:
        """The right answer as the learner types it (1-based)."""
        for number, option in enumerate(self.options, 1):
            if option.correct:
                return number
        raise ValueError(f"question {self.key!r} has no correct option")

    def option(self, number: int) -> Option | None:
        """The option a learner chose by number (1-based), if it exists."""
        return self.options[number - 1] if 1 <= number <= len(self.options) else None


@dataclass(frozen=True)
class Lesson:
    key: str
    course_key: str
    title: Text
    body: Text
    questions: tuple[Question, ...]
    sources: tuple[str, ...] = ()

    def question(self, key: str) -> Question:
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(f"lesson {self.key!r} has no question {key!r}")


@dataclass(frozen=True)
class Course:
    key: str
    title: Text
    lessons: tuple[Lesson, ...]  # in delivery order

    def next_lesson(self, delivered_keys: Collection[str]) -> Lesson | None:
        """The first lesson in delivery order not yet delivered; None when done."""
        for lesson in self.lessons:
            if lesson.key not in delivered_keys:
                return lesson
        return None


@dataclass(frozen=True)
class Catalog:
    courses: tuple[Course, ...]

    @property
    def lessons(self) -> tuple[Lesson, ...]:
        return tuple(lesson for course in self.courses for lesson in course.lessons)

    def course(self, key: str) -> Course:
        for course in self.courses:
            if course.key == key:
                return course
        raise KeyError(f"unknown course {key!r}")

    def lesson(self, key: str) -> Lesson:
        for course in self.courses:
            for lesson in course.lessons:
                if lesson.key == key:
                    return lesson
        raise KeyError(f"unknown lesson {key!r}")
