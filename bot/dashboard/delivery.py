"""Delivery health: what happened to the messages sent, by channel, over time, by error."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import gettext as _

from bot.dashboard import delivery_queries as queries
from bot.dashboard.charts import bar_chart, line_chart
from bot.dashboard.context import ViewContext
from bot.dashboard.delivery_queries import DeliveryCounts
from bot.dashboard.formatting import cell_text, channel_name, period_note
from bot.dashboard.privacy import MIN_COUNT, Count, Sum, protect_sums, share
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


STATUSES = ("messages", "waiting", "sent", "delivered", "read", "failed")
# Every message is in one of these (read is part of delivered).
_PARTITION = ("waiting", "sent", "delivered", "failed")
_NOT_SHOWN = ("waiting", "sent", "read")  # the cards show messages, delivered (share), failed
Shown = dict[object, Count]
Failure = tuple[str, str | None, int | None, int, int]


def protected_figures(
    channels: list[DeliveryCounts],
    over_time: list[DeliveryCounts],
    errors: list[Failure],
    total: DeliveryCounts,
) -> Shown:
    """Every figure of the page as it may be shown: the sums it shows leak no "<5".

    A figure of fewer than 5 learners' messages is hidden whatever its size; then
    each status adds up to the messages, the channels and the periods to the
    totals of the cards, and the error codes to the failed messages.
    """
    values: dict[object, int] = {("card", f): getattr(total, f) for f in (*STATUSES, "segments")}
    hidden: list[object] = []
    view_small = total.learners < MIN_COUNT
    if view_small:
        hidden += [("card", f) for f in (*STATUSES, "segments")]
    # No card shows these totals: to a reader they are unknowns, not constants.
    hidden += [("card", f) for f in _NOT_SHOWN]
    sums: list[Sum] = []
    for table, rows in (("channel", channels), ("time", over_time)):
        for row in rows:
            keys = {f: (table, row.key, f) for f in STATUSES}
            values |= {keys[f]: getattr(row, f) for f in STATUSES}
            if table == "channel" and row.key == ChannelName.SMS:
                keys["segments"] = (table, row.key, "segments")
                values[keys["segments"]] = row.segments
                sums.append(Sum((keys["segments"],), ("card", "segments")))
            small = row.learners < MIN_COUNT if table == "channel" else view_small
            hidden += list(keys.values()) if small else []
            sums.append(Sum(tuple(keys[f] for f in _PARTITION), keys["messages"]))
        for f in STATUSES:
            sums.append(Sum(tuple((table, row.key, f) for row in rows), ("card", f)))
    for index, (_channel, _reason, _code, n, who) in enumerate(errors):
        values[("error", index)] = n
        hidden += [("error", index)] if who < MIN_COUNT else []
    sums.append(Sum(tuple(("error", i) for i in range(len(errors))), ("card", "failed")))
    for channel in {failure[0] for failure in errors}:
        parts = tuple(("error", i) for i, failure in enumerate(errors) if failure[0] == channel)
        sums.append(Sum(parts, ("channel", channel, "failed")))
    return protect_sums(values, sums, hidden)


def _share(shown: Shown, part: object, whole: object, row: DeliveryCounts) -> float | None:
    """A share gives its count away: none when either count is hidden."""
    if not (isinstance(shown[part], int) and isinstance(shown[whole], int)):
        return None
    return share(row.delivered, row.messages, row.learners)


def _statuses(shown: Shown, table: str, key: str) -> tuple[Cell, ...]:
    return tuple(shown[(table, key, f)] for f in STATUSES)


def _by_channel(ctx: ViewContext, rows: list[DeliveryCounts], shown: Shown) -> Section:
    table = Table(
        "by_channel",
        _("By channel"),
        (Column(_("Channel"), "text"), *_status_columns(), Column(_("SMS segments"))),
        tuple(
            (
                channel_name(row.key),
                *_statuses(shown, "channel", row.key),
                shown[("channel", row.key, "segments")] if row.key == ChannelName.SMS else None,
            )
            for row in rows
        ),
        note=_("Delivered includes read. SMS segments: what the messages sent were billed as."),
    )
    delivered = [
        (
            channel_name(row.key),
            _share(shown, ("channel", row.key, "delivered"), ("channel", row.key, "messages"), row),
        )
        for row in rows
    ]
    return Section(table, bar_chart(_("Share delivered by channel"), delivered, cell_text))


def _over_time(ctx: ViewContext, buckets: list[str], shown: Shown) -> Section:
    """Per period; the small-group rule applies to the learners of the whole view."""
    rows = [(b, *_statuses(shown, "time", b)) for b in buckets]
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


def _errors(found: list[Failure], shown: Shown) -> Section:
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
            (channel_name(channel), str(code or "—"), failure_label(reason), shown[("error", i)])
            for i, (channel, reason, code, _n, _who) in enumerate(found)
        ),
    )
    bars = [
        (f"{channel_name(channel)} {code or '—'}", shown[("error", i)])
        for i, (channel, _reason, code, _n, _who) in enumerate(found)
    ]
    return Section(table, bar_chart(table.title, bars, cell_text))


def build(ctx: ViewContext) -> Page:
    channels = queries.delivery_by_channel(ctx.session, ctx.filters)
    total = DeliveryCounts(
        "",
        *(sum(getattr(row, name) for row in channels) for name in DeliveryCounts.FIGURES),
    )
    buckets = labels(ctx.start, ctx.end, ctx.unit)
    found = {row.key: row for row in queries.delivery_over_time(ctx.session, ctx.filters, ctx.unit)}
    empty = DeliveryCounts("", 0, 0, 0, 0, 0, 0, 0, 0)
    over_time = [found.get(b, replace(empty, key=b)) for b in buckets]
    errors = queries.failures(ctx.session, ctx.filters)
    shown = protected_figures(channels, over_time, errors, total)
    cards = (
        Card(_("Messages"), shown[("card", "messages")]),
        Card(
            _("Share delivered"),
            _share(shown, ("card", "delivered"), ("card", "messages"), total),
            "share",
        ),
        Card(_("Failed"), shown[("card", "failed")]),
        Card(_("SMS segments"), shown[("card", "segments")]),
    )
    intro = _("Messages the bot wrote in the period, to the learners the filters select.")
    sections = (
        _by_channel(ctx, channels, shown),
        _over_time(ctx, buckets, shown),
        _errors(errors, shown),
    )
    return Page("delivery", _("Delivery health"), intro, cards, sections)
