"""What each lesson costs to send: characters, encoding and SMS segments.

One row per lesson x part x language x channel, where the parts are what a
learner receives: the lesson, each question (with its options and footer), and
the longest feedback. SMS is measured as written and, for Spanish and French,
in the accent-free rendering; WhatsApp has no segments, only characters.
The totals add up, per language, the SMS segments of every lesson with its
questions (what every learner on SMS receives), with accents and without, and
what the accent-free rendering saves.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from bot.text.render import ChannelName, Message, render
from bot.text.sms import ACCENT_FREE_LANGUAGES, analyse
from lessons.model import LANGUAGES, Catalog, Lesson
from lessons.render import feedback_message, lesson_message, question_message

SMS, SMS_ACCENT_FREE, WHATSAPP = "sms", "sms-accent-free", "whatsapp"


@dataclass(frozen=True)
class Row:
    course: str
    lesson: str
    part: str  # "lesson", a question key, or "feedback q1.2" (question q1, option 2)
    language: str
    channel: str  # sms, sms-accent-free or whatsapp
    characters: int
    units: int | None  # septets (GSM-7) or UTF-16 units (UCS-2); None on WhatsApp
    encoding: str | None
    segments: int | None
    non_gsm_chars: tuple[str, ...]  # what forced UCS-2

    @property
    def size(self) -> tuple[int, int]:
        return self.segments or 0, self.units or 0


@dataclass(frozen=True)
class Report:
    rows: tuple[Row, ...]
    lessons_per_course: dict[str, int]
    languages: tuple[str, ...]
    largest_sms: dict[str, Row]  # language -> its largest SMS as written
    largest_sms_accent_free: dict[str, Row]
    # language -> segments of all lessons with their questions, per SMS rendering
    sms_segments: dict[str, dict[str, int]]

    def as_json(self) -> dict[str, Any]:
        return {
            "totals": {
                "lessons": sum(self.lessons_per_course.values()),
                "lessons_per_course": self.lessons_per_course,
                "languages": list(self.languages),
                "largest_sms": {k: asdict(v) for k, v in self.largest_sms.items()},
                "largest_sms_accent_free": {
                    k: asdict(v) for k, v in self.largest_sms_accent_free.items()
                },
                "sms_segments": self.sms_segments,
            },
            "rows": [asdict(row) for row in self.rows],
        }


def build_report(catalog: Catalog) -> Report:
    """Every message of every lesson measured, with the totals."""
    rows = tuple(row for lesson in catalog.lessons for row in lesson_rows(lesson))
    return Report(
        rows=rows,
        lessons_per_course={course.key: len(course.lessons) for course in catalog.courses},
        languages=LANGUAGES,
        largest_sms=_largest(rows, SMS),
        largest_sms_accent_free=_largest(rows, SMS_ACCENT_FREE),
        sms_segments=_sms_segments(rows),
    )


def _sms_segments(rows: tuple[Row, ...]) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = {}
    for row in rows:
        # Feedback depends on the answer: only what every learner receives counts.
        if row.segments is None or row.part.startswith("feedback"):
            continue
        by_channel = totals.setdefault(row.language, {})
        by_channel[row.channel] = by_channel.get(row.channel, 0) + row.segments
    return totals


def lesson_rows(lesson: Lesson) -> Iterator[Row]:
    """The rows of one lesson: per language, each part on each channel."""
    for language in LANGUAGES:
        for part, message in _parts(lesson, language):
            yield from _measure(lesson, part, language, message)


def _parts(lesson: Lesson, language: str) -> Iterator[tuple[str, Message]]:
    yield "lesson", lesson_message(lesson, language)
    for question in lesson.questions:
        yield question.key, question_message(question, language)
    feedbacks = [
        (f"feedback {question.key}.{number}", feedback_message(option, language))
        for question in lesson.questions
        for number, option in enumerate(question.options, 1)
    ]
    if feedbacks:
        yield max(feedbacks, key=lambda item: _sms_size(item[1], language))


def _sms_size(message: Message, language: str) -> tuple[int, int]:
    info = analyse(render(message, ChannelName.SMS, language))
    return info.segments, info.units


def _measure(lesson: Lesson, part: str, language: str, message: Message) -> Iterator[Row]:
    renderings = [(SMS, False)]
    if language in ACCENT_FREE_LANGUAGES:
        renderings.append((SMS_ACCENT_FREE, True))
    for channel, accent_free in renderings:
        info = analyse(render(message, ChannelName.SMS, language, accent_free=accent_free))
        yield Row(
            lesson.course_key, lesson.key, part, language, channel,
            info.characters, info.units, info.encoding, info.segments, info.non_gsm_chars,
        )  # fmt: skip
    text = render(message, ChannelName.WHATSAPP, language)
    yield Row(
        lesson.course_key, lesson.key, part, language, WHATSAPP, len(text), None, None, None, ()
    )


def _largest(rows: tuple[Row, ...], channel: str) -> dict[str, Row]:
    largest: dict[str, Row] = {}
    for row in rows:
        if row.channel == channel and (
            row.language not in largest or row.size > largest[row.language].size
        ):
            largest[row.language] = row
    return largest


def format_report(report: Report, accent_free_languages: frozenset[str] = frozenset()) -> str:
    """The report as a plain-text table per lesson, then the totals.

    ``accent_free_languages`` are those whose SMS are sent accent-free (marked "sent").
    """
    lines: list[str] = []
    header = (
        f"{'part':<16} {'lang':<4}  {'SMS':>5} {'enc':<5} {'seg':>3} {'forced UCS-2':<14}"
        f"  {'accent-free':>11} {'enc':<5} {'seg':>3}  {'WhatsApp':>8}"
    )
    # One table line per (lesson, part, language), its channels side by side.
    grouped: dict[tuple[str, str, str], dict[str, Row]] = {}
    for row in report.rows:
        grouped.setdefault((row.lesson, row.part, row.language), {})[row.channel] = row
    current = None
    for (lesson, _, _), by_channel in grouped.items():
        if lesson != current:
            current = lesson
            lines += ["", f"{lesson} ({by_channel[SMS].course})", header]
        lines.append(_format_line(by_channel))
    lines += ["", *format_totals(report, accent_free_languages)]
    return "\n".join(lines).lstrip("\n")


def _format_line(by_channel: dict[str, Row]) -> str:
    row = by_channel[SMS]
    forced = " ".join(row.non_gsm_chars)
    free = by_channel.get(SMS_ACCENT_FREE)
    free_text = f"{free.characters:>11} {free.encoding:<5} {free.segments:>3}" if free else " " * 21
    return (
        f"{row.part:<16} {row.language:<4}  {row.characters:>5} {row.encoding:<5} "
        f"{row.segments:>3} {forced:<14.14}  {free_text}  {by_channel[WHATSAPP].characters:>8}"
    )


def format_totals(report: Report, accent_free_languages: frozenset[str] = frozenset()) -> list[str]:
    courses = ", ".join(f"{key} {count}" for key, count in report.lessons_per_course.items())
    lines = [
        f"lessons: {sum(report.lessons_per_course.values())} ({courses})",
        f"languages: {len(report.languages)} ({', '.join(report.languages)})",
        "largest SMS per language:",
    ]
    for language in report.languages:
        row = report.largest_sms[language]
        lines.append(f"  {language}: {_size(row)}")
        if language in report.largest_sms_accent_free:
            lines.append(f"      accent-free: {_size(report.largest_sms_accent_free[language])}")
    lessons = sum(report.lessons_per_course.values())
    lines.append("SMS segments of every lesson with its questions (per lesson on average):")
    for language in report.languages:
        lines.append(
            f"  {language}: "
            + _segments_line(
                report.sms_segments.get(language, {}), lessons, language in accent_free_languages
            )
        )
    return lines


def _segments_line(segments: dict[str, int], lessons: int, sent_accent_free: bool) -> str:
    written = segments.get(SMS, 0)
    line = f"with accents {written} ({written / max(lessons, 1):.1f})"
    if SMS_ACCENT_FREE not in segments:
        return line + ", sent with accents (no accent-free rendering)"
    free = segments[SMS_ACCENT_FREE]
    saving = 1 - free / written if written else 0.0
    sent = "sent accent-free" if sent_accent_free else "sent with accents"
    return (
        f"{line}, accent-free {free} ({free / max(lessons, 1):.1f}),"
        f" saving {written - free} ({saving:.0%}); {sent}"
    )


def _size(row: Row) -> str:
    segments = f"{row.segments} segment" + ("" if row.segments == 1 else "s")
    return f"{segments}, {row.characters} characters {row.encoding} ({row.lesson} {row.part})"
