"""The overview: who signed up, who is enrolled and active, by language, channel and course."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _

from bot.dashboard import queries
from bot.dashboard.charts import bar_chart, line_chart
from bot.dashboard.context import ViewContext
from bot.dashboard.formatting import cell_text, channel_name, language_name, period_note
from bot.dashboard.privacy import Count, Sum, protect, protect_sums
from bot.dashboard.queries import FIGURES, LearnerCounts
from bot.dashboard.tables import Card, Column, Page, Section, Table
from bot.dashboard.timebuckets import labels


def _count_columns() -> tuple[Column, ...]:
    return (
        Column(_("Learners")),
        Column(_("Enrolled")),
        Column(_("Completed a course")),
        Column(_("Active in the last 7 days")),
        Column(_("Active in the last 30 days")),
        Column(_("Opted out")),
    )


# Every learner has one language and one channel: those rows add up to the totals.
# Courses do not (a learner may take two, or none), so they are protected on their own.
ADDITIVE = ("language", "channel")


@dataclass(frozen=True)
class ShownCounts:
    totals: tuple[Count, ...]
    groups: dict[str, list[tuple[Count, ...]]]
    over_time: list[tuple[Count, Count]]  # (sign-ups, opt-outs) per bucket
    over_time_totals: tuple[Count, Count]


def protected_counts(
    total: LearnerCounts,
    groups: dict[str, list[LearnerCounts]],
    buckets: Sequence[str] = (),
    series: Mapping[str, Sequence[int]] | None = None,
    course: str | None = None,
) -> ShownCounts:
    """Every figure of the overview as it may be shown, with no "<5" recoverable.

    One protection for the whole page, since its tables share totals: the
    languages and the channels each add up to the cards, and the sign-ups over
    time add up to the learners who signed up in the period.
    """
    series = series or {}
    values: dict[object, int] = {("total", f): getattr(total, f) for f in FIGURES}
    sums: list[Sum] = []
    for name, rows in groups.items():
        for index, row in enumerate(rows):
            values |= {(name, index, f): getattr(row, f) for f in FIGURES}
        if name in ADDITIVE:
            for f in FIGURES:
                parts = tuple((name, index, f) for index in range(len(rows)))
                sums.append(Sum(parts, ("total", f)))
        for index, row in enumerate(rows if name == "course" else ()):
            if row.key == course:  # filtered by this course: its row is the totals
                sums += [Sum(((name, index, f),), ("total", f)) for f in FIGURES]
    for k in (0, 1) if buckets else ():
        values[("time total", k)] = sum(figures[k] for figures in series.values())
        values |= {("time", b, k): series.get(b, (0, 0))[k] for b in buckets}
        sums.append(Sum(tuple(("time", b, k) for b in buckets), ("time total", k)))
    if buckets:
        sums.append(Sum((("time total", 0),), ("total", "learners")))
    shown = protect_sums(values, sums)
    return ShownCounts(
        tuple(shown[("total", f)] for f in FIGURES),
        {
            name: [tuple(shown[(name, index, f)] for f in FIGURES) for index in range(len(rows))]
            for name, rows in groups.items()
        },
        [(shown[("time", b, 0)], shown[("time", b, 1)]) for b in buckets],
        (shown.get(("time total", 0), 0), shown.get(("time total", 1), 0)),
    )


def _breakdown(
    name: str,
    titles: tuple[str, str, str],
    rows: list[LearnerCounts],
    shown: list[tuple[Count, ...]],
    label: Callable[..., str],
) -> Section:
    """A table per group, charted by its learners who signed up in the period.

    The chart follows the chosen dates, as the table's first column does; the
    "active" columns count activity in the 7 or 30 days before today.
    """
    title, heading, chart_title = titles
    table = Table(
        name,
        title,
        (Column(heading, "text"), *_count_columns()),
        tuple((label(row.key), *cells) for row, cells in zip(rows, shown, strict=True)),
    )
    learners = FIGURES.index("learners")
    bars = [(label(row.key), cells[learners]) for row, cells in zip(rows, shown, strict=True)]
    chart = bar_chart(chart_title, bars, cell_text)
    return Section(table, chart)


def _join_codes(ctx: ViewContext) -> tuple[Section, ...]:
    """Who joined with each join code in the period (none while no code exists)."""
    rows = queries.join_code_counts(ctx.session, ctx.filters)
    if not rows:
        return ()
    table = Table(
        "by_join_code",
        _("Joined with a code"),
        (Column(_("Code"), "text"), Column(_("Tag"), "text"), Column(_("Learners who joined"))),
        tuple((code, tag, protect(count)) for code, tag, count in rows),
        note=_(
            "Learners the filters select who wrote the code in the period; a learner who"
            " wrote two codes counts for each."
        ),
    )
    return (Section(table),)


def _over_time(ctx: ViewContext, buckets: list[str], shown: ShownCounts) -> Section:
    signups = [cells[0] for cells in shown.over_time]
    optouts = [cells[1] for cells in shown.over_time]
    table = Table(
        "over_time",
        _("Sign-ups and opt-outs over time"),
        (Column(_("Period starting"), "text"), Column(_("Sign-ups")), Column(_("Opt-outs"))),
        tuple(zip(buckets, signups, optouts, strict=True)),
        note=_("Each counted on its own date, in the %(zone)s time zone.", zone=ctx.zone_name)
        + " "
        + period_note(ctx.unit),
    )
    total_signups, total_optouts = shown.over_time_totals
    summary = _(
        "%(signups)s sign-ups and %(optouts)s opt-outs from %(start)s to %(end)s.",
        signups=cell_text(total_signups),
        optouts=cell_text(total_optouts),
        start=ctx.start.isoformat(),
        end=ctx.end.isoformat(),
    )
    chart = line_chart(
        table.title,
        summary,
        buckets,
        [(_("Sign-ups"), "series-a", signups), (_("Opt-outs"), "series-b", optouts)],
        cell_text,
    )
    return Section(table, chart)


def build(ctx: ViewContext) -> Page:
    counts = queries.learner_counts(ctx.session, ctx.filters, ctx.now)
    by_course = queries.learner_counts_by_course(ctx.session, ctx.filters, ctx.now)
    series = queries.signups_and_optouts(ctx.session, ctx.filters, ctx.unit)
    groups = {"language": counts["language"], "channel": counts["channel"], "course": by_course}
    buckets = labels(ctx.start, ctx.end, ctx.unit)
    shown = protected_counts(counts["total"][0], groups, buckets, series, ctx.filters.course)
    totals = shown.totals
    cards = tuple(
        Card(column.label, value) for column, value in zip(_count_columns(), totals, strict=True)
    )
    sections = (
        _breakdown(
            "by_language",
            (
                _("By language"),
                _("Language"),
                _("Learners who signed up in the period, by language"),
            ),
            counts["language"],
            shown.groups["language"],
            language_name,
        ),
        _breakdown(
            "by_channel",
            (_("By channel"), _("Channel"), _("Learners who signed up in the period, by channel")),
            counts["channel"],
            shown.groups["channel"],
            channel_name,
        ),
        _breakdown(
            "by_course",
            (_("By course"), _("Course"), _("Learners who signed up in the period, by course")),
            by_course,
            shown.groups["course"],
            lambda key: ctx.course_title(key) if key else _("Not enrolled"),
        ),
        _over_time(ctx, buckets, shown),
        *_join_codes(ctx),
    )
    intro = _(
        "Learners who signed up in the period. Active: wrote to the bot in the last "
        "7 or 30 days. Any count below 5 is shown as <5."
    )
    return Page("overview", _("Overview"), intro, cards, sections)
