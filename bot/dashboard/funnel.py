"""The completion funnel of one course: enrolled → each lesson → its quiz → completed.

The cohort is the learners who enrolled in the course in the period. A lesson
counts as delivered only when the status callback of the message that carried
it said delivered or read (sent is not enough). "Stopped here": got this lesson
but not the next one (for the last lesson: did not complete the course).
"""

from __future__ import annotations

from flask_babel import gettext as _

from bot.dashboard import queries
from bot.dashboard.charts import bar_chart
from bot.dashboard.context import ViewContext
from bot.dashboard.formatting import cell_text
from bot.dashboard.privacy import Count, Sum, protect_sums, share
from bot.dashboard.tables import Card, Cell, Column, Page, Section, Table
from lessons import Course


def _course(ctx: ViewContext) -> Course | None:
    if ctx.filters.course:
        return ctx.catalog.course(ctx.filters.course)
    return ctx.catalog.courses[0] if ctx.catalog.courses else None


_LESSON_FIGURES = ("sent", "delivered", "answered", "right", "stopped")


def _protected(
    found: list[queries.LessonOutcome], enrolled: int, completed: int
) -> dict[object, Count]:
    """The funnel's counts as they may be shown.

    "Stopped here" is one lesson's learners minus the next one's (the last: minus
    those who completed), so a reader can subtract along it: each of those is a sum.
    """
    values: dict[object, int] = {"enrolled": enrolled, "completed": completed}
    sums = []
    sent = [outcome.sent for outcome in found]
    after = [*sent[1:], completed]
    for number, outcome in enumerate(found, 1):
        stopped = max(sent[number - 1] - after[number - 1], 0)
        figures = (outcome.sent, outcome.delivered, outcome.answered, outcome.right, stopped)
        values |= {(number, f): n for f, n in zip(_LESSON_FIGURES, figures, strict=True)}
        went_on = (number + 1, "sent") if number < len(found) else "completed"
        sums.append(Sum((went_on, (number, "stopped")), (number, "sent")))
    return protect_sums(values, sums)


def _share(shown: dict[object, Count], key: object, part: int, whole: int) -> float | None:
    """No share of a hidden count: it would give the count away."""
    if not (isinstance(shown[key], int) and isinstance(shown["enrolled"], int)):
        return None
    return share(part, whole)


def _stages(ctx: ViewContext, course: Course, enrolled: int, completed: int) -> list[Section]:
    questions = {lesson.key: len(lesson.questions) for lesson in course.lessons}
    outcomes = queries.lesson_outcomes(ctx.session, ctx.filters, course.key, questions)
    nothing = queries.LessonOutcome(0, 0, 0, 0)
    found = [outcomes.get(lesson.key, nothing) for lesson in course.lessons]
    shown = _protected(found, enrolled, completed)
    stage_rows: list[tuple[Cell, ...]] = [
        (_("Enrolled"), shown["enrolled"], _share(shown, "enrolled", enrolled, enrolled))
    ]
    lesson_rows: list[tuple[Cell, ...]] = []
    for number, lesson in enumerate(course.lessons, 1):
        name = f"{number}. {ctx.lesson_title(lesson.key)}"
        delivered = found[number - 1].delivered
        stage_rows.append(
            (
                name,
                shown[(number, "delivered")],
                _share(shown, (number, "delivered"), delivered, enrolled),
            )
        )
        lesson_rows.append((name, *(shown[(number, f)] for f in _LESSON_FIGURES)))
    stage_rows.append(
        (
            _("Completed the course"),
            shown["completed"],
            _share(shown, "completed", completed, enrolled),
        )
    )
    stages = Table(
        "stages",
        _("Funnel: enrolled, each lesson delivered, completed"),
        (
            Column(_("Stage"), "text"),
            Column(_("Learners")),
            Column(_("Share of enrolled"), "share"),
        ),
        tuple(stage_rows),
    )
    lessons = Table(
        "lessons",
        _("Each lesson: delivered, quiz answered, answered right, where learners stop"),
        (
            Column(_("Lesson"), "text"),
            Column(_("Sent")),
            Column(_("Delivered")),
            Column(_("Quiz answered")),
            Column(_("All answers right on the first try")),
            Column(_("Stopped here")),
        ),
        tuple(lesson_rows),
        note=_(
            "Quiz answered: every question of the lesson answered. "
            "Stopped here: got this lesson but not the next one."
        ),
    )
    funnel_chart = bar_chart(stages.title, [(str(row[0]), row[1]) for row in stage_rows], cell_text)
    stop_chart = bar_chart(
        _("Stopped here"), [(str(row[0]), row[-1]) for row in lesson_rows], cell_text
    )
    return [Section(stages, funnel_chart), Section(lessons, stop_chart)]


def build(ctx: ViewContext) -> Page:
    course = _course(ctx)
    if course is None:
        return Page("funnel", _("Completion funnel"), _("There are no courses."), (), ())
    enrolled, completed = queries.enrolment_totals(ctx.session, ctx.filters, course.key)
    sections = tuple(_stages(ctx, course, enrolled, completed))
    stage_rows = sections[0].table.rows
    cards = (  # the same figures as the first and last stage, hidden alike
        Card(_("Enrolled"), stage_rows[0][1]),
        Card(_("Completed the course"), stage_rows[-1][1]),
        Card(_("Completion rate"), stage_rows[-1][2], "share"),
    )
    intro = _(
        "Course: %(course)s. Learners who enrolled in the period; a lesson counts as "
        "delivered when the phone confirmed it.",
        course=ctx.course_title(course.key),
    )
    return Page("funnel", _("Completion funnel"), intro, cards, sections)
