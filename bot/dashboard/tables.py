"""What a dashboard view shows: cards, and tables each with an optional chart.

A view builds a ``Page`` once; the HTML page and the CSV export both render
that same object, so a figure cannot differ between the two. Counts arrive
here already passed through ``privacy.protect``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from bot.dashboard.privacy import Count, as_text

Cell = Count | float | str | None
Kind = Literal["text", "count", "share"]


@dataclass(frozen=True)
class Column:
    label: str
    kind: Kind = "count"


@dataclass(frozen=True)
class Table:
    name: str  # stable, URL-safe: names the CSV export
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""
    # Staff may re-sort the rows by any column in the page (bot/staff/static/sortable.js).
    sortable: bool = False


@dataclass(frozen=True)
class Card:
    label: str
    value: Cell
    kind: Kind = "count"


@dataclass(frozen=True)
class Section:
    table: Table
    chart: Any = None  # a charts.BarChart or charts.LineChart


@dataclass(frozen=True)
class Page:
    view: str
    title: str
    intro: str
    cards: tuple[Card, ...]
    sections: tuple[Section, ...]

    def table(self, name: str) -> Table | None:
        return next((s.table for s in self.sections if s.table.name == name), None)


# A cell starting with one of these is a formula to a spreadsheet program.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def sort_key(value: Cell) -> str:
    """A cell's value for sorting in the page: the number itself, "" for text and hidden counts.

    A hidden count ("<5", "x") sorts after every number, whichever the order.
    """
    return repr(value) if isinstance(value, int | float) and not isinstance(value, bool) else ""


def csv_cell(value: Cell) -> str:
    text = as_text(value)
    return "'" + text if isinstance(value, str) and text.startswith(_FORMULA_START) else text


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Cell]]) -> Iterator[str]:
    """CSV text, one line at a time (so that a large export streams)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_cell(cell) for cell in row])
    yield buffer.getvalue()


def table_csv(table: Table) -> Iterator[str]:
    return csv_lines([column.label for column in table.columns], table.rows)
