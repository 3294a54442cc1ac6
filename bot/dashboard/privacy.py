"""Small-number suppression: any count below 5 is shown as "<5".

Applied where figures leave the database for a person (pages, charts, aggregate
CSV exports, `lessonbot stats`), so that no view can single out a handful of
learners. Counts of messages or answers are suppressed when fewer than 5
learners account for them, and a share is hidden when it rests on fewer than 5
or counts fewer than 5, since it would give the small count away.

Complementary suppression (``protect_sums``): where figures add up to a total
shown on the same page (SMS + WhatsApp = all messages), a lone "<5" could be
worked out by subtraction. A further cell is then withheld (shown as "x", its
value being 5 or more) until no hidden count follows from the shown ones and
the totals by any linear combination of the sums.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

MIN_COUNT: Final = 5


class Suppressed:
    """A count below ``MIN_COUNT``: shown as "<5", never as its value."""

    _instance: Suppressed | None = None

    def __new__(cls) -> Suppressed:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __str__(self) -> str:
        return f"<{MIN_COUNT}"

    def __repr__(self) -> str:
        return "SUPPRESSED"


class Withheld(Suppressed):
    """A count of 5 or more hidden so that a "<5" elsewhere cannot be worked out."""

    _instance: Suppressed | None = None

    def __str__(self) -> str:
        return "x"

    def __repr__(self) -> str:
        return "WITHHELD"


SUPPRESSED: Final = Suppressed()
WITHHELD: Final = Withheld()
Count = int | Suppressed


@dataclass(frozen=True)
class Sum:
    """The page says ``sum(parts) == total``: a relation a reader can subtract along."""

    parts: tuple[Hashable, ...]
    total: Hashable


def protect_sums(
    values: Mapping[Hashable, int], sums: Iterable[Sum], hidden: Iterable[Hashable] = ()
) -> dict[Hashable, Count]:
    """Every cell as it may be shown, with complementary suppression along ``sums``.

    ``values``: the true counts; a count below ``MIN_COUNT``, or a key in ``hidden``
    (e.g. events of fewer than 5 learners), is suppressed. Then, while some hidden
    cell is determined by the shown cells and the sums, the smallest shown cell of
    a sum around it is withheld too.
    """
    relations = [rel for rel in sums if all(k in values for k in (*rel.parts, rel.total))]
    primary = {key for key, value in values.items() if value < MIN_COUNT} | set(hidden)
    withheld: set[Hashable] = set()
    settled: set[Hashable] = set()  # determined by the structure alone (a sum of nothing is 0)
    while found := [
        cell
        for cell in (
            *determined_cells(primary | withheld, relations),
            *pinned_by_bounds(values, primary, withheld, relations),
        )
        if cell not in settled
    ]:
        choice = _next_to_withhold(found[0], primary | withheld, values, relations)
        if choice is None:
            settled.add(found[0])
        else:
            withheld.add(choice)
    return {
        key: SUPPRESSED if key in primary else WITHHELD if key in withheld else value
        for key, value in values.items()
    }


def _next_to_withhold(
    cell: Hashable,
    hidden: set[Hashable],
    values: Mapping[Hashable, int],
    relations: Sequence[Sum],
) -> Hashable | None:
    """The shown figure nearest the determined cell through the sums that loses the
    least, or None when no shown figure bears on it."""
    reached, frontier = {cell}, [cell]
    while frontier:
        around = {
            key
            for rel in relations
            if any(c in (*rel.parts, rel.total) for c in frontier)
            for key in (*rel.parts, rel.total)
        }
        shown = [key for key in around if key not in hidden]
        if shown:
            # A part before a total: totals recur (cards, other tables), so hiding
            # one tends to spread; then the smallest figure, which tells the least.
            totals = {rel.total for rel in relations}
            return min(shown, key=lambda key: (key in totals, values[key], str(key)))
        frontier = [key for key in around if key not in reached]
        reached |= set(frontier)
    return None


def pinned_by_bounds(
    values: Mapping[Hashable, int],
    primary: set[Hashable],
    withheld: set[Hashable],
    relations: Sequence[Sum],
) -> list[Hashable]:
    """Hidden cells a reader pins down with what the marks say: "<5" is 0 to 4, "x" 5 or more.

    In a sum whose total is shown, the hidden cells add up to a known figure; when
    that figure is the least they can add up to (every "<5" is 0, every "x" is 5:
    total 37, Spanish 37, the rest "<5") or, with no "x", the most (every "<5" is
    4), each of them is known.
    """
    pinned: list[Hashable] = []
    for rel in relations:
        if rel.total in primary or rel.total in withheld:
            continue
        hidden = [key for key in rel.parts if key in primary or key in withheld]
        if not hidden:
            continue
        rest = values[rel.total] - sum(values[k] for k in rel.parts if k not in hidden)
        least = MIN_COUNT * sum(1 for key in hidden if key in withheld)
        most = (MIN_COUNT - 1) * len(hidden) if all(k in primary for k in hidden) else None
        if rest in (least, most):
            pinned += hidden
    return pinned


def determined_cells(hidden: set[Hashable], relations: Sequence[Sum]) -> list[Hashable]:
    """The hidden cells whose value follows from the shown ones through the sums.

    Each sum is a linear equation in its hidden cells (the shown ones are known
    constants); a cell is determined when its unit vector lies in the span of
    the equations, which the reduced row echelon form shows as a row with a
    single non-zero entry.
    """
    rows: list[dict[Hashable, Fraction]] = []
    for rel in relations:
        row: dict[Hashable, Fraction] = {}
        for key in rel.parts:
            if key in hidden:
                row[key] = row.get(key, Fraction(0)) + 1
        if rel.total in hidden:
            row[rel.total] = row.get(rel.total, Fraction(0)) - 1
        row = {key: value for key, value in row.items() if value}
        if row:
            rows.append(row)
    return _unit_rows(rows)


def _unit_rows(rows: list[dict[Hashable, Fraction]]) -> list[Hashable]:
    """Unknowns j such that e_j is a row of the reduced row echelon form of ``rows``.

    Rows are sparse (a sum touches few cells), so each is kept as {unknown: factor}
    and reduced against the pivots found so far, which stay fully reduced.
    """
    pivots: dict[Hashable, dict[Hashable, Fraction]] = {}  # pivot unknown -> its row
    for original in rows:
        row = dict(original)
        while reducible := [key for key in row if key in pivots]:
            key = reducible[0]
            factor = row[key]
            for other, value in pivots[key].items():
                row[other] = row.get(other, Fraction(0)) - factor * value
                if not row[other]:
                    del row[other]
        if not row:
            continue
        lead = min(row, key=str)
        scale = row[lead]
        row = {key: value / scale for key, value in row.items()}
        for pivot_row in pivots.values():
            if lead in pivot_row:
                factor = pivot_row[lead]
                for other, value in row.items():
                    pivot_row[other] = pivot_row.get(other, Fraction(0)) - factor * value
                    if not pivot_row[other]:
                        del pivot_row[other]
        pivots[lead] = row
    return sorted((key for key, row in pivots.items() if len(row) == 1), key=str)


def protect(count: int | None) -> Count:
    """The count as it may be shown (``None`` from an empty SQL sum is zero)."""
    value = int(count or 0)
    return SUPPRESSED if value < MIN_COUNT else value


def protect_events(count: int | None, learners: int | None) -> Count:
    """A count of events (messages, answers): suppressed as well when fewer than 5
    learners account for it, since it would describe those few people."""
    return SUPPRESSED if int(learners or 0) < MIN_COUNT else protect(count)


def share(part: int | None, whole: int | None, learners: int | None = None) -> float | None:
    """``part / whole`` as it may be shown, or None when it rests on too few."""
    part, whole = int(part or 0), int(whole or 0)
    too_few_learners = learners is not None and learners < MIN_COUNT
    if whole < MIN_COUNT or part < MIN_COUNT or too_few_learners:
        return None
    return part / whole


def as_text(value: Count | float | str | None) -> str:
    """The plain-text form used in CSV and the terminal (no locale grouping)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value * 100:.1f}%"
    return str(value)
