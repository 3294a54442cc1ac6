"""The segment a broadcast goes to: SQL filters on ``learner``, a count, the snapshot.

Only learners who can be written to are ever selected: active ones (and, when
asked, paused ones), never those still onboarding (no consent yet), opted out
or erased, nor any without a number. Filters combine with AND; languages and
tags each match any of the values chosen. Course, progress and enrolment dates
apply to one and the same enrolment: "completed digital safety in March".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, case, exists, func, insert, literal, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from bot.broadcasts.models import BroadcastRecipient, RecipientState
from bot.clock import typed_day
from bot.models import Enrollment, Learner, LessonDelivery
from bot.staff.models import LearnerTag
from bot.vocab import ChannelName, LearnerStatus

CHANNELS = tuple(ChannelName)
PROGRESS = ("not_started", "in_progress", "completed")
DATE_FIELDS = ("enrolled_from", "enrolled_to")


class FormData(Protocol):
    """What the audience needs of a submitted form (werkzeug's MultiDict has it)."""

    def get(self, key: str) -> Any: ...

    def getlist(self, key: str) -> list[str]: ...


@dataclass(frozen=True)
class Audience:
    languages: tuple[str, ...] = ()
    channel: str | None = None
    course: str | None = None
    progress: str | None = None
    enrolled_from: date | None = None
    enrolled_to: date | None = None  # the last day included
    tags: tuple[str, ...] = field(default=())
    include_paused: bool = False
    # Date fields whose value is not a day the form takes: an error on the form
    # (``compose.validate``), kept with the draft so that it cannot be sent
    # to a wider segment than the one meant.
    unreadable: tuple[str, ...] = field(default=())

    @classmethod
    def from_form(cls, form: FormData) -> Audience:
        """Read the audience fields of a form; values no form offers are dropped."""
        return cls.from_json(
            {
                "languages": form.getlist("languages"),
                "channel": form.get("channel"),
                "course": form.get("course"),
                "progress": form.get("progress"),
                "enrolled_from": form.get("enrolled_from"),
                "enrolled_to": form.get("enrolled_to"),
                "tags": form.getlist("tags"),
                "include_paused": form.get("include_paused") in ("1", "on", "true", True),
            }
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Audience:
        start, end = _date(data.get("enrolled_from")), _date(data.get("enrolled_to"))
        unreadable = [name for name in DATE_FIELDS if data.get(name) and _date(data[name]) is None]
        unreadable += [name for name in _texts(data.get("unreadable")) if name in DATE_FIELDS]
        if start and end and start > end:
            start, end = end, start
        return cls(
            languages=_texts(data.get("languages")),
            channel=data.get("channel") if data.get("channel") in CHANNELS else None,
            course=str(data["course"]) if data.get("course") else None,
            progress=data.get("progress") if data.get("progress") in PROGRESS else None,
            enrolled_from=start,
            enrolled_to=end,
            tags=_texts(data.get("tags")),
            include_paused=bool(data.get("include_paused")),
            unreadable=tuple(dict.fromkeys(unreadable)),
        )

    def to_json(self) -> dict[str, Any]:
        """The non-empty filters, as stored on the broadcast (dates as ISO text)."""
        data = {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in asdict(self).items()
        }
        for name in ("enrolled_from", "enrolled_to"):
            day = getattr(self, name)
            data[name] = day.isoformat() if day else None
        return {name: value for name, value in data.items() if value}

    def conditions(self) -> list[ColumnElement[bool]]:
        statuses = [LearnerStatus.ACTIVE]
        if self.include_paused:
            statuses.append(LearnerStatus.PAUSED)
        found: list[ColumnElement[bool]] = [
            Learner.status.in_(statuses),
            Learner.phone_encrypted.is_not(None),
        ]
        if self.languages:
            found.append(Learner.language.in_(self.languages))
        if self.channel:
            found.append(Learner.channel == self.channel)
        if self.tags:
            found.append(
                exists().where(LearnerTag.learner_id == Learner.id, LearnerTag.tag.in_(self.tags))
            )
        enrolment = self._enrolment_condition()
        if enrolment is not None:
            found.append(enrolment)
        return found

    def _enrolment_condition(self) -> ColumnElement[bool] | None:
        if not (self.course or self.progress or self.enrolled_from or self.enrolled_to):
            return None
        enrolled = aliased(Enrollment)
        on_it: list[ColumnElement[bool]] = [enrolled.learner_id == Learner.id]
        if self.course:
            on_it.append(enrolled.course_key == self.course)
        if self.enrolled_from:
            on_it.append(enrolled.enrolled_at >= datetime.combine(self.enrolled_from, time()))
        if self.enrolled_to:
            day_after = self.enrolled_to + timedelta(days=1)
            on_it.append(enrolled.enrolled_at < datetime.combine(day_after, time()))
        if self.progress == "completed":
            on_it.append(enrolled.completed_at.is_not(None))
        elif self.progress in ("not_started", "in_progress"):
            started = exists().where(
                LessonDelivery.learner_id == enrolled.learner_id,
                LessonDelivery.course_key == enrolled.course_key,
            )
            on_it.append(enrolled.completed_at.is_(None))
            on_it.append(started if self.progress == "in_progress" else ~started)
        return exists().where(and_(*on_it))


def count(session: Session, audience: Audience) -> int:
    """How many learners the segment selects now (the live count)."""
    query = select(func.count()).select_from(Learner).where(*audience.conditions())
    return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class Group:
    """Learners of the segment alike in what decides their message and its route."""

    language: str | None
    channel: str
    window_open: bool
    named: bool  # a first name is known (WhatsApp profile name)
    learners: int


def groups(session: Session, audience: Audience, window_cutoff: datetime) -> list[Group]:
    """The segment counted by language, channel, WhatsApp window and known name."""
    window_open = case((Learner.last_inbound_at > window_cutoff, True), else_=False)
    named = case((func.coalesce(Learner.profile_name, "") != "", True), else_=False)
    query = (
        select(Learner.language, Learner.channel, window_open, named, func.count())
        .where(*audience.conditions())
        .group_by(Learner.language, Learner.channel, window_open, named)
    )
    return [
        Group(language, channel, bool(is_open), bool(has_name), int(number))
        for language, channel, is_open, has_name, number in session.execute(query)
    ]


def snapshot(session: Session, broadcast_id: int, audience: Audience) -> int:
    """Fix the recipients: one INSERT ... SELECT of the segment as it is now."""
    chosen = select(literal(broadcast_id), Learner.id, literal(RecipientState.WAITING)).where(
        *audience.conditions()
    )
    session.execute(
        insert(BroadcastRecipient).from_select(["broadcast_id", "learner_id", "state"], chosen)
    )
    # Counted, not the INSERT's rowcount: drivers do not all report it for INSERT ... SELECT.
    taken = select(func.count()).where(BroadcastRecipient.broadcast_id == broadcast_id)
    return int(session.scalar(taken) or 0)


def _date(value: Any) -> date | None:
    """The day of a date field; None when empty or not a day the form takes."""
    if isinstance(value, date):
        return value
    try:
        return typed_day(str(value)) if value else None
    except ValueError:
        return None


def _texts(values: Any) -> tuple[str, ...]:
    if not values:
        return ()
    if isinstance(values, str):
        values = [values]
    return tuple(dict.fromkeys(str(value) for value in values if value))
