"""Delivery health: what happened to the messages sent, by channel, over time, by error."""

from __future__ import annotations

from flask_babel import gettext as _

from bot.dashboard import delivery_queries as queries
from bot.dashboard.charts import bar_chart, line_chart
from bot.dashboard.context import ViewContext
from bot.dashboard.delivery_queries import DeliveryCounts
from bot.dashboard.formatting import cell_text, channel_name, period_note
from bot.dashboard.privacy import protect_events, share
from bot.dashboard.tables import Card, Cell, Column, Page, Section, Table
from bot.dashboard.timebuckets import labels
from bot.staff.failures import failure_label
from bot.vocab import ChannelName


def _status_columns() -> tuple[Column, ...]:
    return (
        Column(_("Messages")),
        Column(_("Waiting to be sent")),
        Column(_("Sent, no receipt yet")),
        Column(_("Delivered")),
        Column(_("Read (WhatsApp)")),
        Column(_("Failed")),
    )


def _statuses(row: DeliveryCounts, learners: int) -> tuple[Cell, ...]:
    counts = (row.messages, row.waiting, row.sent, row.delivered, row.read, row.failed)
    return tuple(protect_events(n, learners) for n in counts)


def _by_channel(ctx: ViewContext, rows: list[DeliveryCounts]) -> Section:
    table = Table(
        "by_channel",
        _("By channel"),
        (Column(_("Channel"), "text"), *_status_columns(), Column(_("SMS segments"))),
        tuple(
            (
                channel_name(row.key),
                *_statuses(row, row.learners),
                protect_events(row.segments, row.learners) if row.key == ChannelName.SMS else None,
            )
            for row in rows
        ),
        note=_("Delivered includes read. SMS segments: what the messages sent were billed as."),
    )
    delivered = [
        (channel_name(row.key), share(row.delivered, row.messages, row.learners)) for row in rows
    ]
    return Section(table, bar_chart(_("Share delivered by channel"), delivered, cell_text))


def _over_time(ctx: ViewContext, learners: int) -> Section:
    """Per period; the small-group rule applies to the learners of the whole view."""
    found = {row.key: row for row in queries.delivery_over_time(ctx.session, ctx.filters, ctx.unit)}
    buckets = labels(ctx.start, ctx.end, ctx.unit)
    empty = DeliveryCounts("", 0, 0, 0, 0, 0, 0, 0, 0)
    rows = [(b, *_statuses(found.get(b, empty), learners)) for b in buckets]
    table = Table(
        "over_time",
        _("Messages over time"),
        (Column(_("Period starting"), "text"), *_status_columns()),
        tuple(rows),
        note=_(
            "By the day each message was written to the outbox, in the %(zone)s time zone.",
            zone=ctx.zone_name,
        )
        + " "
        + period_note(ctx.unit),
    )
    series = [
        (_("Messages"), "series-a", [row[1] for row in rows]),
        (_("Delivered"), "series-b", [row[4] for row in rows]),
        (_("Failed"), "series-c", [row[6] for row in rows]),
    ]
    summary = _(
        "Messages, delivered and failed from %(start)s to %(end)s.",
        start=ctx.start.isoformat(),
        end=ctx.end.isoformat(),
    )
    return Section(table, line_chart(table.title, summary, buckets, series, cell_text))


def _errors(ctx: ViewContext) -> Section:
    found = queries.failures(ctx.session, ctx.filters)
    table = Table(
        "errors",
        _("Failed messages by error code"),
        (
            Column(_("Channel"), "text"),
            Column(_("Error code"), "text"),
            Column(_("Meaning"), "text"),
            Column(_("Messages")),
        ),
        tuple(
            (channel_name(channel), str(code or "—"), failure_label(reason), protect_events(n, who))
            for channel, reason, code, n, who in found
        ),
    )
    bars = [
        (f"{channel_name(channel)} {code or '—'}", protect_events(n, who))
        for channel, _reason, code, n, who in found
    ]
    return Section(table, bar_chart(table.title, bars, cell_text))


def build(ctx: ViewContext) -> Page:
    channels = queries.delivery_by_channel(ctx.session, ctx.filters)
    total = DeliveryCounts(
        "",
        *(sum(getattr(row, name) for row in channels) for name in DeliveryCounts.FIGURES),
    )
    learners = total.learners
    cards = (
        Card(_("Messages"), protect_events(total.messages, learners)),
        Card(_("Share delivered"), share(total.delivered, total.messages, learners), "share"),
        Card(_("Failed"), protect_events(total.failed, learners)),
        Card(_("SMS segments"), protect_events(total.segments, learners)),
    )
    intro = _("Messages the bot wrote in the period, to the learners the filters select.")
    sections = (_by_channel(ctx, channels), _over_time(ctx, learners), _errors(ctx))
    return Page("delivery", _("Delivery health"), intro, cards, sections)
