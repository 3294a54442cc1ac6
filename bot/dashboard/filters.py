"""The filters every dashboard view takes: date range, course, language, channel, tag.

They come from the query string, so a filtered view is a link that can be
shared and its CSV export carries the same filters. Unknown courses,
languages, channels and tags are dropped rather than failing, so an old link
still opens. A date that is not one, or lies outside ``bot.clock.FIRST_DAY``
to ``LAST_DAY``, is refused (``InvalidFilter``, a 400 naming the field): it
would otherwise be a period nobody asked for, or past the calendar's end.
Dates are days of the reporting time zone (setting ``dashboard.timezone``),
not of UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.clock import typed_day
from bot.vocab import ChannelName

CHANNELS = tuple(ChannelName)


class InvalidFilter(ValueError):
    """A filter's value is not one the dashboard can show; ``field`` names it."""

    def __init__(self, field: str, value: str) -> None:
        super().__init__(f"{field}: {value!r}")
        self.field = field


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
    # The reporting time zone: what a day is, for the dates above and for charts.
    zone: tzinfo = field(default=UTC, compare=False)

    @classmethod
    def from_args(
        cls, args: Mapping[str, str], choices: FilterChoices, zone: tzinfo = UTC
    ) -> Filters:
        start, end = _date(args, "start"), _date(args, "end")
        if start and end and start > end:
            start, end = end, start
        return cls(
            start=start,
            end=end,
            course=_pick(args.get("course"), choices.courses),
            language=_pick(args.get("language"), choices.languages),
            channel=_pick(args.get("channel"), choices.channels),
            tag=_pick(args.get("tag"), choices.tags),
            zone=zone,
        )

    def query_args(self) -> dict[str, str]:
        """The non-empty filters as query-string arguments."""
        values = {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "course": self.course,
            "language": self.language,
            "channel": self.channel,
            "tag": self.tag,
        }
        return {name: value for name, value in values.items() if value}

    def since(self) -> datetime | None:
        """The period's first instant: local midnight, as stored (naive UTC)."""
        return self._midnight(self.start) if self.start else None

    def until(self) -> datetime | None:
        """The instant after the period's last day (exclusive bound)."""
        return self._midnight(self.end + timedelta(days=1)) if self.end else None

    def local_date(self, moment: datetime | None) -> date | None:
        """The reporting zone's date of a stored (naive UTC) time."""
        if moment is None:
            return None
        return moment.replace(tzinfo=UTC).astimezone(self.zone).date()

    def _midnight(self, day: date) -> datetime:
        local = datetime.combine(day, time(), tzinfo=self.zone)
        return local.astimezone(UTC).replace(tzinfo=None)


def _date(args: Mapping[str, str], field: str) -> date | None:
    """The day ``field`` names (YYYY-MM-DD); None when empty; ``InvalidFilter`` otherwise."""
    text = (args.get(field) or "").strip()
    if not text:
        return None
    try:
        return typed_day(text)
    except ValueError as error:
        raise InvalidFilter(field, text) from error


def _pick(value: str | None, allowed: tuple[str, ...]) -> str | None:
    return value if value in allowed else None
