"""The filters every dashboard view takes: date range, course, language, channel, tag.

They come from the query string, so a filtered view is a link that can be
shared and its CSV export carries the same filters. Unknown values are
dropped rather than failing, so an old link still opens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

CHANNELS = ("sms", "whatsapp")


@dataclass(frozen=True)
class FilterChoices:
    """The values the filter form offers (and the only ones accepted)."""

    courses: tuple[str, ...]
    languages: tuple[str, ...]
    tags: tuple[str, ...]
    channels: tuple[str, ...] = CHANNELS


@dataclass(frozen=True)
class Filters:
    start: date | None = None  # first day included
    end: date | None = None  # last day included
    course: str | None = None
    language: str | None = None
    channel: str | None = None
    tag: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str], choices: FilterChoices) -> Filters:
        start, end = _date(args.get("start")), _date(args.get("end"))
        if start and end and start > end:
            start, end = end, start
        return cls(
            start=start,
            end=end,
            course=_pick(args.get("course"), choices.courses),
            language=_pick(args.get("language"), choices.languages),
            channel=_pick(args.get("channel"), choices.channels),
            tag=_pick(args.get("tag"), choices.tags),
        )

    def query_args(self) -> dict[str, str]:
        """The non-empty filters as query-string arguments."""
        return {
            name: value.isoformat() if isinstance(value, date) else value
            for name, value in asdict(self).items()
            if value
        }

    def since(self) -> datetime | None:
        """The period's first instant (stored times are naive UTC)."""
        return datetime.combine(self.start, time()) if self.start else None

    def until(self) -> datetime | None:
        """The instant after the period's last day (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), time()) if self.end else None


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _pick(value: str | None, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None
