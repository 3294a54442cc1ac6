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


def pinned(shown: dict, values: dict, sums: list[Sum]) -> list:  # type: ignore[type-arg]
    """Hidden cells whose range, from one sum and the marks' bounds, is a single value.

    "<5" is 0 to 4 and "x" is 5 or more; a shown total leaves each hidden part
    the range its own bounds and the other hidden parts' bounds allow.
    """
    bounds = {SUPPRESSED: (0, 4), WITHHELD: (5, 10**9)}
    found = []
    for rel in sums:
        if shown[rel.total] in bounds:
            continue
        hidden = [k for k in rel.parts if shown[k] in bounds]
        rest = values[rel.total] - sum(values[k] for k in rel.parts if k not in hidden)
        for key in hidden:
            low, high = bounds[shown[key]]
            others = [bounds[shown[k]] for k in hidden if k != key]
            least = max(low, rest - sum(hi for _lo, hi in others))
            most = min(high, rest - sum(lo for lo, _hi in others))
            if least == most:
                found.append(key)
    return found


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
    assert pinned(shown, values, sums) == []
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


def test_a_total_met_by_the_shown_cells_does_not_tell_the_rest_are_zero():
    # Completed: total 37, Spanish 37; English, French, Haitian Creole below 5:
    # shown as is, they could only be 0.
    values = {"en": 0, "es": 37, "fr": 0, "ht": 0, "all": 37}
    sums = [Sum(("en", "es", "fr", "ht"), "all")]
    before = {"en": SUPPRESSED, "es": 37, "fr": SUPPRESSED, "ht": SUPPRESSED, "all": 37}
    assert pinned(before, values, sums) == ["en", "fr", "ht"]
    shown = protect_sums(values, sums)
    assert pinned(shown, values, sums) == [] and leaked(shown, sums) == []
    assert WITHHELD in shown.values()
