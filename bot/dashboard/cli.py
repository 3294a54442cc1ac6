"""`lessonbot stats`: the dashboard's overview in the terminal (or as JSON).

The same queries and the same "<5" rule as the pages; labels are English
keys, since this is for operators and scripts.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from bot.clock import utc_now
from bot.dashboard import queries
from bot.dashboard.filters import Filters
from bot.dashboard.overview import protected_counts
from bot.dashboard.privacy import Count, Suppressed
from bot.dashboard.queries import FIGURES
from bot.db import make_engine, make_session_factory, session_scope
from bot.settings import load_settings


def _named(cells: tuple[Count, ...]) -> dict[str, Count]:
    return dict(zip(FIGURES, cells, strict=True))


def overview(now: datetime) -> dict[str, Any]:
    """The overview's figures, suppressed below 5, for every learner."""
    engine = make_engine(load_settings().app.database_url)
    filters = Filters()
    try:
        with session_scope(make_session_factory(engine)) as session:
            counts = queries.learner_counts(session, filters, now)
            total = counts["total"][0]
            groups = {
                "language": counts["language"],
                "channel": counts["channel"],
                "course": queries.learner_counts_by_course(session, filters, now),
            }
    finally:
        engine.dispose()
    result: dict[str, Any] = {"generated_at": now.isoformat(timespec="seconds") + "Z"}
    shown = protected_counts(total, groups)  # as the overview page shows them
    result["totals"] = _named(shown.totals)
    for name, rows in groups.items():
        result[f"by_{name}"] = [
            {name: row.key, **_named(cells)}
            for row, cells in zip(rows, shown.groups[name], strict=True)
        ]
    return result


def _json_value(value: object) -> object:
    return str(value) if isinstance(value, Suppressed) else value


def _print_table(title: str, key: str, rows: list[dict[str, Any]]) -> None:
    click.echo(f"\n{title}")
    click.echo(f"  {key:<18}" + "".join(f"{name:>11}" for name in FIGURES))
    for row in rows:
        label = str(row[key] if row[key] is not None else "-")
        click.echo(f"  {label:<18}" + "".join(f"{row[name]!s:>11}" for name in FIGURES))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def stats(as_json: bool) -> None:
    """Learners, enrolled, completed, active (7 and 30 days), opted out: by language,
    channel and course. Any count below 5 is shown as <5."""
    result = overview(utc_now())
    if as_json:
        click.echo(json.dumps(result, default=_json_value, indent=2))
        return
    click.echo(f"lessonbot overview at {result['generated_at']} (active: wrote in the last N days)")
    for name in FIGURES:
        click.echo(f"  {name:<12}{result['totals'][name]!s:>10}")
    for name in ("language", "channel", "course"):
        _print_table(f"By {name}", name, result[f"by_{name}"])
