"""Put tags (a training site, a cohort) on learners, or take them off, by pseudonymous id.

Learners are named only by their opaque ``public_id``. A line that is not
shaped like one is counted and dropped, never repeated back, logged or
audited: it may be a phone number pasted by mistake. An erased learner
cannot be tagged again. Service functions take a session and ``now`` and do
not commit; each change is written to the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.models import Learner
from bot.staff.accounts import audit
from bot.staff.models import LearnerTag
from bot.vocab import LearnerStatus

TAG_MAX_LENGTH = 64
# "L" and letters or digits: ``bot.models.new_public_id`` ("L" + 16 hex digits),
# and older or test ids of the same shape. A phone number never matches.
_PUBLIC_ID = re.compile(r"^L[0-9A-Za-z]{1,31}$")
_TAG = re.compile(rf"^[a-z0-9][a-z0-9._-]{{0,{TAG_MAX_LENGTH - 1}}}$")
# Ids per query: well under SQLite's limit on bound parameters.
_CHUNK = 500


class TagError(ValueError):
    """The tag cannot be used as written."""


@dataclass(frozen=True)
class LearnerIds:
    ids: tuple[str, ...]  # well-formed pseudonymous ids, each once, in the order given
    rejected: int  # lines that are not a learner id (not kept: they may be phone numbers)


@dataclass(frozen=True)
class TagChange:
    tag: str
    added: bool  # True: the tag was put on; False: taken off
    changed: tuple[str, ...]  # the learners whose tags changed
    unchanged: int  # already had the tag (or, when removing, did not have it)
    unknown: tuple[str, ...]  # well-formed ids of no learner, or of an erased one
    rejected: int


def normalise_tag(text: str) -> str:
    """The tag as stored: lower case; letters, digits, ".", "_" and "-"."""
    tag = text.strip().lower()
    if not _TAG.match(tag):
        raise TagError(
            f"a tag is 1 to {TAG_MAX_LENGTH} lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return tag


def parse_ids(lines: Iterable[str]) -> LearnerIds:
    """Learner ids, one a line (or separated by commas or spaces); blank and # lines skipped."""
    ids: dict[str, None] = {}
    rejected = 0
    for line in lines:
        if line.strip().startswith("#"):
            continue
        for word in re.split(r"[\s,;]+", line.strip()):
            if not word:
                continue
            if _PUBLIC_ID.match(word):
                ids[word] = None
            else:
                rejected += 1
    return LearnerIds(tuple(ids), rejected)


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def _learners(session: Session, ids: Sequence[str]) -> dict[str, int]:
    """{public id: learner id} of the learners found (erased ones are not)."""
    found: dict[str, int] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(Learner.public_id, Learner.id).where(
                Learner.public_id.in_(chunk), Learner.status != LearnerStatus.ERASED
            )
        )
        found.update({public_id: learner_id for public_id, learner_id in rows})
    return found


def _tagged(session: Session, tag: str, learner_ids: Sequence[int]) -> set[int]:
    tagged: set[int] = set()
    for start in range(0, len(learner_ids), _CHUNK):
        chunk = learner_ids[start : start + _CHUNK]
        tagged.update(
            session.scalars(
                select(LearnerTag.learner_id).where(
                    LearnerTag.tag == tag, LearnerTag.learner_id.in_(chunk)
                )
            )
        )
    return tagged


def change_tag(
    session: Session,
    tag: str,
    learners: LearnerIds,
    *,
    add: bool,
    now: datetime,
    actor_id: int | None = None,
) -> TagChange:
    """Put ``tag`` on the learners (``add``) or take it off; audited when anything changed."""
    tag = normalise_tag(tag)
    found = _learners(session, learners.ids)
    unknown = tuple(public_id for public_id in learners.ids if public_id not in found)
    tagged = _tagged(session, tag, list(found.values()))
    changed = tuple(
        public_id for public_id, learner_id in found.items() if (learner_id in tagged) != add
    )
    if add:
        session.add_all(
            LearnerTag(learner_id=found[each], tag=tag, created_at=now) for each in changed
        )
    else:
        for chunk in _chunks(changed):
            ids = [found[public_id] for public_id in chunk]
            session.execute(
                delete(LearnerTag).where(LearnerTag.tag == tag, LearnerTag.learner_id.in_(ids))
            )
    session.flush()
    if changed:
        action = "learner_tag.add" if add else "learner_tag.remove"
        audit(session, actor_id, action, {"tag": tag, "learners": list(changed)}, now)
    return TagChange(tag, add, changed, len(found) - len(changed), unknown, learners.rejected)


def tag_counts(session: Session) -> list[tuple[str, int]]:
    """Every tag in use and how many learners have it, by tag."""
    query = (
        select(LearnerTag.tag, func.count(LearnerTag.learner_id))
        .group_by(LearnerTag.tag)
        .order_by(LearnerTag.tag)
    )
    return [(tag, int(count)) for tag, count in session.execute(query)]
