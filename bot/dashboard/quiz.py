"""Quiz item analysis: per question, how many got it right on the first try and
which wrong option drew the most learners, so that authors can fix confusing ones."""

from __future__ import annotations

from flask_babel import gettext as _

from bot.dashboard.charts import bar_chart
from bot.dashboard.context import ViewContext
from bot.dashboard.formatting import cell_text
from bot.dashboard.privacy import MIN_COUNT, Count, Sum, protect_sums, share
from bot.dashboard.quiz_queries import QuestionResult, question_results, recovered_on_review
from bot.dashboard.tables import Card, Cell, Column, Page, Section, Table
from lessons import Lesson, Question

# Bars in the chart: the hardest questions; the table has every question.
CHART_QUESTIONS = 10


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


def _protected(
    found: list[QuestionResult],
    recovered: list[int],
    results: dict[tuple[str, str], QuestionResult],
) -> dict[object, Count]:
    """Each question's counts, and the totals on the cards, as they may be shown.

    The first answers add up to the card's total, and the right ones to the total
    behind the share card (which, with the first answers shown, gives it away);
    in each row, right and wrong on the first try add up to the first answers.
    """
    values: dict[object, int] = {
        "answered": sum(result.answered for result in results.values()),
        "right": sum(result.right for result in results.values()),
    }
    for index, result in enumerate(found):
        values |= {(index, "answered"): result.answered, (index, "right"): result.right}
        values[(index, "wrong")] = result.wrong_times
        values[(index, "wrong_first")] = result.answered - result.right
        values[(index, "recovered")] = recovered[index]
    # Each question's first answers come from as many different learners: the
    # largest is how many learners at least stand behind the totals.
    learners = max((result.answered for result in results.values()), default=0)
    small = ["answered", "right"] if learners < MIN_COUNT else []
    sums = [
        Sum(tuple((index, figure) for index in range(len(found))), figure)
        for figure in ("answered", "right")
    ]
    sums += [
        Sum(((index, "right"), (index, "wrong_first")), (index, "answered"))
        for index in range(len(found))
    ]
    return protect_sums(values, sums, small)


def build(ctx: ViewContext) -> Page:
    items = _questions(ctx)
    lesson_keys = sorted({lesson.key for lesson, _question in items})
    results = question_results(ctx.session, ctx.filters, lesson_keys)
    on_review = recovered_on_review(ctx.session, ctx.filters, lesson_keys)
    nothing = QuestionResult(0, 0, None, 0)
    found = [results.get((lesson.key, question.key), nothing) for lesson, question in items]
    recovered = [on_review.get((lesson.key, question.key), 0) for lesson, question in items]
    shown = _protected(found, recovered, results)
    rows: list[tuple[Cell, ...]] = []
    for index, ((lesson, question), result) in enumerate(zip(items, found, strict=True)):
        answered, right = shown[(index, "answered")], shown[(index, "right")]
        visible = isinstance(answered, int) and isinstance(right, int)
        rows.append(
            (
                ctx.lesson_title(lesson.key),
                f"{question.key}: {ctx.text(question.prompt)}",
                answered,
                right,
                share(result.right, result.answered) if visible else None,
                _wrong_option(ctx, question, result.wrong_option),
                shown[(index, "wrong")],
                shown[(index, "wrong_first")],
                shown[(index, "recovered")],
            )
        )
    # Hardest first (the questions authors should look at), hidden shares last.
    ranked = sorted(rows, key=lambda row: (row[4] is None, row[4] or 0.0))
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
        tuple(ranked),
        sortable=True,
        note=_(
            "Only each learner's first answer to a question counts. A question answered"
            " wrong comes back as a review 2 and 7 days later; recovered: answered right"
            " on one of them."
        ),
    )
    # The hardest few only: a bar per question made a page of thousands of
    # pixels; the table below has them all and sorts by any column.
    hardest = [row for row in ranked if row[4] is not None][:CHART_QUESTIONS]
    chart = bar_chart(
        _(
            "The %(count)s questions with the lowest share right on the first try",
            count=len(hardest),
        ),
        [(f"{row[0]} · {str(row[1]).split(':')[0]}", row[4]) for row in hardest],
        cell_text,
    )
    total_shown = isinstance(shown["answered"], int) and isinstance(shown["right"], int)
    answered_total = sum(result.answered for result in results.values())
    right_total = sum(result.right for result in results.values())
    cards = (
        Card(_("First answers"), shown["answered"]),
        Card(
            _("Share right"), share(right_total, answered_total) if total_shown else None, "share"
        ),
    )
    intro = _("Answers given in the period by the learners the filters select.")
    return Page("quiz", _("Quiz items"), intro, cards, (Section(table, chart),))
