"""What every view builder needs: the session, the filters, the catalog, the period."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.dashboard import queries
from bot.dashboard.filters import Filters
from bot.dashboard.timebuckets import Unit, choose_unit
from lessons import Catalog


@dataclass(frozen=True)
class ViewContext:
    session: Session
    filters: Filters
    catalog: Catalog
    now: datetime  # naive UTC, as stored
    language: str  # the page's language
    start: date  # the period time series cover: the filter's, else from the first sign-up
    end: date  # (days of the reporting time zone, ``filters.zone``)

    @classmethod
    def build(
        cls, session: Session, filters: Filters, catalog: Catalog, now: datetime, language: str
    ) -> ViewContext:
        first = filters.local_date(queries.first_signup(session))
        end = filters.end or filters.local_date(now) or now.date()
        start = filters.start or first or end
        return cls(session, filters, catalog, now, language, min(start, end), end)

    @property
    def zone_name(self) -> str:
        return str(self.filters.zone)

    @property
    def unit(self) -> Unit:
        return choose_unit(self.start, self.end)

    def text(self, texts: Mapping[str, str]) -> str:
        return texts.get(self.language) or texts.get("es") or next(iter(texts.values()), "")

    def course_title(self, key: str) -> str:
        try:
            return self.text(self.catalog.course(key).title)
        except KeyError:
            return key  # a course no longer in the lesson files

    def lesson_title(self, key: str) -> str:
        try:
            return self.text(self.catalog.lesson(key).title)
        except KeyError:
            return key
