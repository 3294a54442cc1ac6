"""Conversations with staff (the hand-off): how many opened, how fast and how often staff answered.

Counts only, no conversation or learner is named. The period and the learner
filters select conversations by when they opened. Definitions, as the page
states them:

- time to first answer: from the opening to staff's first reply, over the
  conversations answered; the median, hidden when fewer than 5 were answered;
- answered within office hours: of the conversations opened during office
  hours (settings ``inbox``), the share whose first answer came before office
  hours ended that same day. Those still inside that day's office hours
  without an answer are not counted yet; the share is hidden when it rests on
  fewer than 5, or when fewer than 5 were answered so (the "<5" rule).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dashboard.context import ViewContext
from bot.dashboard.filters import Filters
from bot.dashboard.privacy import MIN_COUNT, Count, protect, share
from bot.dashboard.queries import in_period, matching_learners
from bot.dashboard.tables import Card, Page
from bot.inbox.models import Conversation
from bot.services import services
from bot.settings import Settings


@dataclass(frozen=True)
class HandOffFigures:
    opened: Count
    median_minutes: float | None  # None: fewer than 5 answered
    within_office_hours: float | None  # None: rests on fewer than 5


def _office_end(opened_at: datetime, settings: Settings) -> datetime:
    """When office hours end on the (local) day the conversation opened, naive UTC."""
    zone = ZoneInfo(settings.inbox.timezone)
    day = opened_at.replace(tzinfo=UTC).astimezone(zone).date()
    hours, minutes = (int(part) for part in settings.inbox.office_closes.split(":"))
    local_end = datetime(day.year, day.month, day.day, hours, minutes, tzinfo=zone)
    return local_end.astimezone(UTC).replace(tzinfo=None)


def figures(
    session: Session, filters: Filters, settings: Settings, now: datetime
) -> HandOffFigures:
    """The page's three figures, already protected by the "<5" rule."""
    query = select(
        Conversation.opened_at,
        Conversation.opened_in_office_hours,
        Conversation.first_answered_at,
    ).where(*in_period(Conversation.opened_at, filters))
    learners = matching_learners(filters)
    if learners is not None:
        query = query.where(Conversation.learner_id.in_(learners))
    rows = session.execute(query).all()
    waits = [
        (answered - opened) / timedelta(minutes=1)
        for opened, _in_hours, answered in rows
        if answered is not None
    ]
    decided = in_time = 0
    for opened, in_hours, answered in rows:
        if not in_hours:
            continue
        end = _office_end(opened, settings)
        if answered is None and now < end:
            continue  # still within that day's office hours: not decided yet
        decided += 1
        in_time += answered is not None and answered < end
    return HandOffFigures(
        opened=protect(len(rows)),
        median_minutes=statistics.median(waits) if len(waits) >= MIN_COUNT else None,
        within_office_hours=share(in_time, decided),
    )


def duration_text(minutes: float | None) -> str | None:
    """ "2 h 05 min" or "12 min"; None stays None (shown as a dash)."""
    if minutes is None:
        return None
    whole = round(minutes)
    if whole < 60:
        return _("%(minutes)s min", minutes=whole)
    return _("%(hours)s h %(minutes)02d min", hours=whole // 60, minutes=whole % 60)


def _weekdays(days: tuple[int, ...]) -> str:
    names = (get_locale() or Locale("en")).days["format"]["wide"]
    return ", ".join(names[day - 1] for day in days)  # babel counts from Monday = 0


def build(ctx: ViewContext) -> Page:
    settings = services().settings
    shown = figures(ctx.session, ctx.filters, settings, ctx.now)
    cards = (
        Card(_("Conversations opened"), shown.opened),
        Card(_("Median time to first answer"), duration_text(shown.median_minutes), "text"),
        Card(_("Answered within office hours"), shown.within_office_hours, "share"),
    )
    intro = " ".join(
        (
            _("Learners who asked to talk with a person, by the day the conversation opened."),
            _(
                "Time to first answer: from the opening to the first staff reply, the median"
                " of the conversations answered."
            ),
            _(
                "Answered within office hours: of the conversations opened during office"
                " hours (%(days)s, %(opens)s to %(closes)s, %(zone)s time), the share first"
                " answered before office hours ended that day.",
                days=_weekdays(settings.inbox.office_days),
                opens=settings.inbox.office_opens,
                closes=settings.inbox.office_closes,
                zone=settings.inbox.timezone,
            ),
            _(
                "Any count below 5 is shown as <5; a median or share resting on fewer than 5"
                " is not shown."
            ),
        )
    )
    return Page("conversations", _("Conversations with staff"), intro, cards, ())
