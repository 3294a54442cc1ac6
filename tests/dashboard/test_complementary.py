"""Complementary suppression: no "<5" can be worked out from the totals and the other cells.

The property test draws random tables (rows by columns, with row totals,
column totals and the grand total, all shown on one page) and checks, with
its own rank test, that no hidden cell is determined by the shown cells and
the sums. The rank test is independent of the code under test: a cell is
determined exactly when removing its column lowers the rank of the equations.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dashboard.privacy import SUPPRESSED, WITHHELD, Sum, protect_sums


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [row[:] for row in matrix if any(row)]
    rank, width = 0, len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for r in range(rank + 1, len(rows)):
            factor = rows[r][col] / rows[rank][col]
            rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        rank += 1
    return rank


def leaked(shown: dict, sums: list[Sum]) -> list:  # type: ignore[type-arg]
    """Hidden cells a reader can compute from the shown cells and the sums."""
    hidden = sorted((k for k, v in shown.items() if v in (SUPPRESSED, WITHHELD)), key=str)
    matrix = []
    for rel in sums:
        matrix.append([Fraction((key in rel.parts) - (key == rel.total)) for key in hidden])
    full = _rank(matrix)
    return [
        key
        for index, key in enumerate(hidden)
        if _rank([row[:index] + row[index + 1 :] for row in matrix]) < full
    ]


def table_with_margins(cells: list[list[int]]) -> tuple[dict, list[Sum]]:  # type: ignore[type-arg]
    values = {}
    sums = []
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            values[(r, c)] = value
        values[(r, "total")] = sum(row)
        sums.append(Sum(tuple((r, c) for c in range(len(row))), (r, "total")))
    for c in range(len(cells[0])):
        values[("total", c)] = sum(row[c] for row in cells)
        sums.append(Sum(tuple((r, c) for r in range(len(cells))), ("total", c)))
    values[("total", "total")] = sum(map(sum, cells))
    sums.append(Sum(tuple((r, "total") for r in range(len(cells))), ("total", "total")))
    sums.append(Sum(tuple(("total", c) for c in range(len(cells[0]))), ("total", "total")))
    return values, sums


tables = st.integers(1, 5).flatmap(
    lambda width: st.lists(
        st.lists(st.integers(0, 30), min_size=width, max_size=width), min_size=1, max_size=5
    )
)


@settings(max_examples=300, deadline=None)
@given(tables)
def test_no_hidden_cell_follows_from_the_shown_cells_and_the_margins(cells):
    values, sums = table_with_margins(cells)
    shown = protect_sums(values, sums)
    assert leaked(shown, sums) == []
    for key, value in values.items():  # small counts hidden; shown ones true
        if value < 5:
            assert shown[key] is SUPPRESSED
        elif shown[key] not in (SUPPRESSED, WITHHELD):
            assert shown[key] == value


def test_the_example_total_8_sms_6_whatsapp_2():
    values = {"sms": 6, "whatsapp": 2, "all": 8}
    sums = [Sum(("sms", "whatsapp"), "all")]
    before = {"sms": 6, "whatsapp": SUPPRESSED, "all": 8}
    assert leaked(before, sums) == ["whatsapp"]  # the leak the rule closes
    shown = protect_sums(values, sums)
    assert shown == {"sms": WITHHELD, "whatsapp": SUPPRESSED, "all": 8}
    assert str(shown["sms"]) == "x" and leaked(shown, sums) == []
