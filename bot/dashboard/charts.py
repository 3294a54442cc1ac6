"""Chart geometry for inline SVG, computed on the server (no script, no CDN).

The templates draw what these dataclasses describe, in a fixed-width
viewBox that scales to the screen. A suppressed value ("<5") gets no bar and
breaks a line: a chart must not show what its table hides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.dashboard.privacy import Suppressed
from bot.dashboard.tables import Cell

WIDTH = 420  # narrow enough that text stays legible when scaled to a phone
# Bar charts: each row is a label line with its bar underneath, which keeps long
# lesson titles readable on a phone.
_ROW = 42
_BAR_TOP = 20
_BAR_HEIGHT = 14
_VALUE_ROOM = 70  # right of the longest bar, for its value
_LABEL_LENGTH = 58
# Line charts: the plot area inside the viewBox.
_LINE_HEIGHT = 214
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, WIDTH - 30, 12, 168

Formatter = Callable[[Cell], str]


@dataclass(frozen=True)
class Bar:
    label: str
    value_text: str
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    title: str
    summary: str  # the chart said in words (also its accessible description)
    bars: tuple[Bar, ...]
    height: int
    kind: str = "bar"
    width: int = WIDTH
    bar_top: int = _BAR_TOP
    bar_height: int = _BAR_HEIGHT


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str
    segments: tuple[tuple[tuple[float, float], ...], ...]  # runs of points without gaps


@dataclass(frozen=True)
class LineChart:
    title: str
    summary: str
    series: tuple[Series, ...]
    x_labels: tuple[tuple[float, str], ...]
    y_labels: tuple[tuple[float, str], ...]
    kind: str = "line"
    width: int = WIDTH
    height: int = _LINE_HEIGHT
    left: int = _LEFT
    right: int = _RIGHT
    bottom: int = _BOTTOM


def _number(value: Cell) -> float | None:
    if value is None or isinstance(value, Suppressed | str):
        return None
    return float(value)


def _short(label: str) -> str:
    return label if len(label) <= _LABEL_LENGTH else label[: _LABEL_LENGTH - 1] + "…"


def bar_chart(
    title: str, items: Sequence[tuple[str, Cell]], fmt: Formatter, summary_limit: int = 8
) -> BarChart:
    """Horizontal bars, one per (label, value); shares and counts alike."""
    numbers = [_number(value) for _, value in items]
    top = max((n for n in numbers if n is not None), default=0.0) or 1.0
    scale = (WIDTH - _VALUE_ROOM) / top
    bars = tuple(
        Bar(_short(label), fmt(value), index * _ROW, (number or 0.0) * scale)
        for index, ((label, value), number) in enumerate(zip(items, numbers, strict=True))
    )
    said = ", ".join(f"{label}: {fmt(value)}" for label, value in items[:summary_limit])
    more = " …" if len(items) > summary_limit else ""
    return BarChart(title, f"{title} — {said}{more}", bars, max(len(bars), 1) * _ROW)


def line_chart(
    title: str,
    summary: str,
    buckets: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[Cell]]],
    fmt: Formatter,
) -> LineChart:
    """Lines over time: ``series`` is (name, css class, one value per bucket)."""
    numbers = [[_number(v) for v in values] for _, _, values in series]
    top = max((n for line in numbers for n in line if n is not None), default=0.0) or 1.0
    step = (_RIGHT - _LEFT) / max(len(buckets) - 1, 1)

    def point(index: int, value: float) -> tuple[float, float]:
        return (round(_LEFT + index * step, 1), round(_BOTTOM - value / top * (_BOTTOM - _TOP), 1))

    drawn = []
    for (name, css_class, _), line in zip(series, numbers, strict=True):
        segments: list[list[tuple[float, float]]] = [[]]
        for index, value in enumerate(line):
            if value is None:
                segments.append([])
            else:
                segments[-1].append(point(index, value))
        runs = tuple(tuple(run) for run in segments if run)
        drawn.append(Series(name, css_class, runs))
    ticks = sorted({0, len(buckets) // 2, len(buckets) - 1}) if buckets else []
    x_labels = tuple((round(_LEFT + i * step, 1), buckets[i]) for i in ticks)
    y_labels = ((float(_BOTTOM), fmt(0)), (float(_TOP), fmt(int(top))))
    return LineChart(title, summary, tuple(drawn), x_labels, y_labels)
