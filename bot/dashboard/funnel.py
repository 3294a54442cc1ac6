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
from bot.dashboard.privacy import protect, share
from bot.dashboard.tables import Card, Cell, Column, Page, Section, Table
from lessons import Course


def _course(ctx: ViewContext) -> Course | None:
    if ctx.filters.course:
        return ctx.catalog.course(ctx.filters.course)
    return ctx.catalog.courses[0] if ctx.catalog.courses else None


def _stages(ctx: ViewContext, course: Course, enrolled: int, completed: int) -> list[Section]:
    questions = {lesson.key: len(lesson.questions) for lesson in course.lessons}
    outcomes = queries.lesson_outcomes(ctx.session, ctx.filters, course.key, questions)
    nothing = queries.LessonOutcome(0, 0, 0, 0)
    sent = [outcomes.get(lesson.key, nothing).sent for lesson in course.lessons]
    after = [*sent[1:], completed]  # who went on past each lesson
    stage_rows: list[tuple[Cell, ...]] = [
        (_("Enrolled"), protect(enrolled), share(enrolled, enrolled))
    ]
    lesson_rows: list[tuple[Cell, ...]] = []
    for number, lesson in enumerate(course.lessons, 1):
        name = f"{number}. {ctx.lesson_title(lesson.key)}"
        outcome = outcomes.get(lesson.key, nothing)
        delivered, answered, right = outcome.delivered, outcome.answered, outcome.right
        stopped = max(sent[number - 1] - after[number - 1], 0)
        stage_rows.append((name, protect(delivered), share(delivered, enrolled)))
        lesson_rows.append(
            (name, *(protect(n) for n in (sent[number - 1], delivered, answered, right, stopped)))
        )
    stage_rows.append((_("Completed the course"), protect(completed), share(completed, enrolled)))
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
    cards = (
        Card(_("Enrolled"), protect(enrolled)),
        Card(_("Completed the course"), protect(completed)),
        Card(_("Completion rate"), share(completed, enrolled), "share"),
    )
    intro = _(
        "Course: %(course)s. Learners who enrolled in the period; a lesson counts as "
        "delivered when the phone confirmed it.",
        course=ctx.course_title(course.key),
    )
    sections = tuple(_stages(ctx, course, enrolled, completed))
    return Page("funnel", _("Completion funnel"), intro, cards, sections)
