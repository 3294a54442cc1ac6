"""Quiz item analysis: per question, how many got it right on the first try,
which wrong option drew the most learners (so that authors can fix confusing
ones), and how many of those who were wrong recovered on a spaced review."""

from __future__ import annotations

from flask_babel import gettext as _

from bot.dashboard.charts import bar_chart
from bot.dashboard.context import ViewContext
from bot.dashboard.formatting import cell_text
from bot.dashboard.privacy import protect, protect_events, share
from bot.dashboard.quiz_queries import QuestionResult, question_results, recovered_on_review
from bot.dashboard.tables import Card, Cell, Column, Page, Section, Table
from lessons import Lesson, Question


def _questions(ctx: ViewContext) -> list[tuple[Lesson, Question]]:
    courses = ctx.catalog.courses
    if ctx.filters.course:
        courses = (ctx.catalog.course(ctx.filters.course),)
    return [
        (lesson, question)
        for course in courses
        for lesson in course.lessons
        for question in lesson.questions
    ]


def _wrong_option(ctx: ViewContext, question: Question, option: int | None) -> str:
    chosen = question.option(option) if option else None
    return f"{option}. {ctx.text(chosen.text)}" if chosen else "—"


def build(ctx: ViewContext) -> Page:
    items = _questions(ctx)
    lesson_keys = sorted({lesson.key for lesson, _question in items})
    results = question_results(ctx.session, ctx.filters, lesson_keys)
    recovered = recovered_on_review(ctx.session, ctx.filters, lesson_keys)
    nothing = QuestionResult(0, 0, None, 0)
    rows: list[tuple[Cell, ...]] = []
    for lesson, question in items:
        found = results.get((lesson.key, question.key), nothing)
        rows.append(
            (
                ctx.lesson_title(lesson.key),
                f"{question.key}: {ctx.text(question.prompt)}",
                protect(found.answered),
                protect(found.right),
                share(found.right, found.answered),
                _wrong_option(ctx, question, found.wrong_option),
                protect(found.wrong_times),
                protect(found.answered - found.right),
                protect(recovered.get((lesson.key, question.key), 0)),
            )
        )
    table = Table(
        "questions",
        _("Questions: first answers"),
        (
            Column(_("Lesson"), "text"),
            Column(_("Question"), "text"),
            Column(_("First answers")),
            Column(_("Right on the first try")),
            Column(_("Share right"), "share"),
            Column(_("Most chosen wrong option"), "text"),
            Column(_("Chosen by")),
            Column(_("Wrong on the first try")),
            Column(_("Recovered on review")),
        ),
        tuple(rows),
        note=_(
            "Only each learner's first answer to a question counts. A question answered"
            " wrong comes back as a review 2 and 7 days later; recovered: answered right"
            " on one of them."
        ),
    )
    # Hardest first: the questions authors should look at.
    ranked = sorted(rows, key=lambda row: (row[4] is None, row[4] or 0.0))
    chart = bar_chart(
        _("Share right on the first try, hardest first"),
        [(f"{row[0]} · {str(row[1]).split(':')[0]}", row[4]) for row in ranked],
        cell_text,
    )
    answered_total = sum(found.answered for found in results.values())
    right_total = sum(found.right for found in results.values())
    # Each question's first answers come from as many different learners: the
    # largest is how many learners at least stand behind the totals.
    learners = max((found.answered for found in results.values()), default=0)
    cards = (
        Card(_("First answers"), protect_events(answered_total, learners)),
        Card(_("Share right"), share(right_total, answered_total, learners), "share"),
    )
    intro = _("Answers given in the period by the learners the filters select.")
    return Page("quiz", _("Quiz items"), intro, cards, (Section(table, chart),))
