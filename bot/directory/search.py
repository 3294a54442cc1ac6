"""Find learners: by pseudonymous id, by a phone number typed in, by tag, course, language, status.

A number typed into the search box is read with ``phonenumbers`` (a local
Panamanian number such as 6123-4567 needs no +507), turned into its keyed
hash (``bot.phones.phone_hash``) and looked up by that: it is never stored,
logged or shown back, not even in the search box or the page's address
(the form posts it). A text that is neither a number nor an id is refused
with a message naming the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import phonenumbers
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from bot.models import Learner
from bot.phones import phone_hash
from bot.staff.models import LearnerTag
from bot.tags.service import TagError, normalise_tag
from bot.vocab import LearnerStatus

PAGE_SIZE = 50
# The region a number without "+" is read in: the programme runs in Panama.
DEFAULT_REGION = "PA"
# "L" and letters or digits (``bot.models.new_public_id``): never a phone number.
_PUBLIC_ID = re.compile(r"^[Ll][0-9A-Za-z]{1,31}$")
_DIALLED = re.compile(r"^\+?[\d\s().-]{6,24}$")


@dataclass(frozen=True)
class Filters:
    """A search as staff asked for it; empty fields do not filter."""

    public_id: str = ""
    tag: str = ""
    course: str = ""
    language: str = ""
    status: str = ""
    page: int = 1
    # The keyed hash of the number typed in (never the number itself).
    number_hash: str | None = None

    def as_args(self) -> dict[str, str]:
        """The filters for a link (the next page, the CSV): never the number."""
        values = {
            "q": self.public_id,
            "tag": self.tag,
            "course": self.course,
            "language": self.language,
            "status": self.status,
        }
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class Parsed:
    filters: Filters
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message key


def parse(form: dict[str, str], hash_key: str, languages: tuple[str, ...]) -> Parsed:
    """Read the search form; each error names its field (``errors``: field -> problem)."""
    errors: dict[str, str] = {}
    text = form.get("q", "").strip()
    public_id, number_hash = "", None
    if text:
        if _PUBLIC_ID.match(text):
            public_id = "L" + text[1:].lower()
        elif _DIALLED.match(text):
            number = _e164(text)
            if number is None:
                errors["q"] = "number"
            else:
                number_hash = phone_hash(number, hash_key)
        else:
            errors["q"] = "text"
    tag = form.get("tag", "").strip()
    if tag:
        try:
            tag = normalise_tag(tag)
        except TagError:
            errors["tag"] = "tag"
    language = form.get("language", "").strip()
    if language and language not in languages:
        errors["language"] = "language"
    status = form.get("status", "").strip()
    if status and status not in set(LearnerStatus):
        errors["status"] = "status"
    try:
        page = max(1, int(form.get("page", "1") or "1"))
    except ValueError:
        page = 1
    filters = Filters(
        public_id=public_id,
        tag=tag if "tag" not in errors else "",
        course=form.get("course", "").strip()[:64],
        language=language if "language" not in errors else "",
        status=status if "status" not in errors else "",
        page=page,
        number_hash=number_hash,
    )
    return Parsed(filters, errors)


def _e164(text: str) -> str | None:
    """The number in E.164 form if it is a possible number (Panama's when it has no +)."""
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class Row:
    public_id: str
    status: str
    language: str | None
    channel: str
    course_key: str | None
    last_inbound_at: datetime | None
    created_at: datetime
    tags: tuple[str, ...]


@dataclass(frozen=True)
class Results:
    rows: list[Row]
    total: int
    page: int
    pages: int


def _query(filters: Filters) -> Select[Learner]:
    query = select(Learner)
    if filters.public_id:
        query = query.where(Learner.public_id == filters.public_id)
    if filters.number_hash is not None:
        query = query.where(Learner.phone_hash == filters.number_hash)
    if filters.tag:
        tagged = select(LearnerTag.learner_id).where(LearnerTag.tag == filters.tag)
        query = query.where(Learner.id.in_(tagged))
    if filters.course:
        query = query.where(Learner.course_key == filters.course)
    if filters.language:
        query = query.where(Learner.language == filters.language)
    if filters.status:
        query = query.where(Learner.status == filters.status)
    return query


def search(session: Session, filters: Filters, page_size: int = PAGE_SIZE) -> Results:
    """One page of the learners who match, newest first, with their tags."""
    query = _query(filters)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // page_size))
    page = min(filters.page, pages)
    learners = list(
        session.scalars(
            query.order_by(Learner.id.desc()).limit(page_size).offset((page - 1) * page_size)
        )
    )
    return Results(_rows(session, learners), total, page, pages)


def all_matching(session: Session, filters: Filters, chunk: int = 1000) -> list[Row]:
    """Every learner who matches (the CSV), oldest first, read a chunk at a time."""
    rows: list[Row] = []
    after = 0
    while True:
        learners = list(
            session.scalars(
                _query(filters).where(Learner.id > after).order_by(Learner.id).limit(chunk)
            )
        )
        if not learners:
            return rows
        rows.extend(_rows(session, learners))
        after = learners[-1].id


def _rows(session: Session, learners: list[Learner]) -> list[Row]:
    tags = tags_of(session, [learner.id for learner in learners])
    return [
        Row(
            public_id=learner.public_id,
            status=learner.status,
            language=learner.language,
            channel=learner.channel,
            course_key=learner.course_key,
            last_inbound_at=learner.last_inbound_at,
            created_at=learner.created_at,
            tags=tuple(tags.get(learner.id, ())),
        )
        for learner in learners
    ]


def tags_of(session: Session, learner_ids: list[int]) -> dict[int, list[str]]:
    """Each learner's tags, in alphabetical order."""
    found: dict[int, list[str]] = {}
    if not learner_ids:
        return found
    for learner_id, tag in session.execute(
        select(LearnerTag.learner_id, LearnerTag.tag)
        .where(LearnerTag.learner_id.in_(learner_ids))
        .order_by(LearnerTag.tag)
    ):
        found.setdefault(learner_id, []).append(tag)
    return found
