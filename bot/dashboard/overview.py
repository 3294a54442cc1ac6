"""The overview: who signed up, who is enrolled and active, by language, channel and course."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _

from bot.dashboard import queries
from bot.dashboard.charts import bar_chart, line_chart
from bot.dashboard.context import ViewContext
from bot.dashboard.formatting import cell_text, channel_name, language_name, period_note
from bot.dashboard.privacy import protect
from bot.dashboard.queries import LearnerCounts
from bot.dashboard.tables import Card, Cell, Column, Page, Section, Table
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


def _counts(row: LearnerCounts) -> tuple[Cell, ...]:
    figures = (row.learners, row.enrolled, row.completed, row.active_7, row.active_30, row.left)
    return tuple(protect(n) for n in figures)


def _breakdown(
    name: str,
    titles: tuple[str, str, str],
    rows: list[LearnerCounts],
    label: Callable[..., str],
) -> Section:
    """A table per group, charted by its learners active in the last 30 days."""
    title, heading, chart_title = titles
    table = Table(
        name,
        title,
        (Column(heading, "text"), *_count_columns()),
        tuple((label(row.key), *_counts(row)) for row in rows),
    )
    active = [(label(row.key), protect(row.active_30)) for row in rows]
    chart = bar_chart(chart_title, active, cell_text)
    return Section(table, chart)


def _over_time(ctx: ViewContext) -> Section:
    series = queries.signups_and_optouts(ctx.session, ctx.filters, ctx.unit)
    buckets = labels(ctx.start, ctx.end, ctx.unit)
    signups = [protect(series.get(b, [0, 0])[0]) for b in buckets]
    optouts = [protect(series.get(b, [0, 0])[1]) for b in buckets]
    table = Table(
        "over_time",
        _("Sign-ups and opt-outs over time"),
        (Column(_("Period starting"), "text"), Column(_("Sign-ups")), Column(_("Opt-outs"))),
        tuple(zip(buckets, signups, optouts, strict=True)),
        note=_("Each counted on its own date, in the %(zone)s time zone.", zone=ctx.zone_name)
        + " "
        + period_note(ctx.unit),
    )
    total_signups = protect(sum(values[0] for values in series.values()))
    total_optouts = protect(sum(values[1] for values in series.values()))
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
    totals = counts["total"][0]
    cards = tuple(
        Card(column.label, value)
        for column, value in zip(_count_columns(), _counts(totals), strict=True)
    )
    sections = (
        _breakdown(
            "by_language",
            (
                _("By language"),
                _("Language"),
                _("Learners active in the last 30 days, by language"),
            ),
            counts["language"],
            language_name,
        ),
        _breakdown(
            "by_channel",
            (_("By channel"), _("Channel"), _("Learners active in the last 30 days, by channel")),
            counts["channel"],
            channel_name,
        ),
        _breakdown(
            "by_course",
            (_("By course"), _("Course"), _("Learners active in the last 30 days, by course")),
            queries.learner_counts_by_course(ctx.session, ctx.filters, ctx.now),
            lambda key: ctx.course_title(key) if key else _("Not enrolled"),
        ),
        _over_time(ctx),
    )
    intro = _(
        "Learners who signed up in the period. Active: wrote to the bot in the last "
        "7 or 30 days. Any count below 5 is shown as <5."
    )
    return Page("overview", _("Overview"), intro, cards, sections)
