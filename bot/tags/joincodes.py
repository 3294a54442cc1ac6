"""Join codes from the staff side: make one for a tag, turn it off and on, count who joined.

A code is 3 to 20 letters and digits with at least one letter (COLON24),
stored in upper case; learners may write it in any case. It may not be a
word the bot already reads (STOP, MENU, AYUDA ... in any language: those
keep their meaning) nor the name of another code. The learner's side is
``bot.learners.cohorts``. Service functions take a session and ``now``,
do not commit, and audit every change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.learners.cohorts import CODE_PATTERN, normalise_code
from bot.messaging.keywords import KEYWORDS
from bot.staff.accounts import audit
from bot.staff.models import JoinCode, JoinCodeUse
from bot.tags.service import TagError, normalise_tag

_HAS_LETTER = re.compile(r"[A-Z]")


class CodeError(ValueError):
    """The code cannot be used as written; ``field`` names the form field, ``problem`` why."""

    def __init__(self, problem: str, field: str = "code") -> None:
        super().__init__(problem)
        self.problem = problem
        self.field = field


@dataclass(frozen=True)
class CodeRow:
    code: str
    tag: str
    active: bool
    joined: int
    created_at: datetime


def check_code(session: Session, text: str) -> str:
    """The code as stored, or ``CodeError`` saying what is wrong with it."""
    code = normalise_code(text)
    if not code:
        raise CodeError("empty")
    if not CODE_PATTERN.match(code) or not _HAS_LETTER.search(code):
        raise CodeError("shape")
    if code.lower() in KEYWORDS:
        raise CodeError("keyword")
    if session.scalar(select(JoinCode.id).where(JoinCode.code == code)) is not None:
        raise CodeError("taken")
    return code


def create_code(
    session: Session, text: str, tag_text: str, now: datetime, actor_id: int | None
) -> JoinCode:
    code = check_code(session, text)
    try:
        tag = normalise_tag(tag_text)
    except TagError as error:
        raise CodeError("tag", "tag") from error
    found = JoinCode(code=code, tag=tag, active=True, created_at=now, created_by_id=actor_id)
    session.add(found)
    session.flush()
    audit(session, actor_id, "join_code.create", {"code": code, "tag": tag}, now)
    return found


def find(session: Session, text: str) -> JoinCode | None:
    return session.scalar(select(JoinCode).where(JoinCode.code == normalise_code(text)))


def set_active(
    session: Session, code: JoinCode, active: bool, now: datetime, actor_id: int | None
) -> None:
    """Turn a code off (learners who write it are no longer joined) or on again."""
    if code.active == active:
        return
    code.active = active
    action = "join_code.activate" if active else "join_code.deactivate"
    audit(session, actor_id, action, {"code": code.code}, now)


def codes_with_counts(session: Session) -> list[CodeRow]:
    """Every code, newest first, with how many learners joined with it."""
    joined = (
        select(JoinCodeUse.join_code_id, func.count().label("joined"))
        .group_by(JoinCodeUse.join_code_id)
        .subquery()
    )
    rows = session.execute(
        select(JoinCode, func.coalesce(joined.c.joined, 0))
        .outerjoin(joined, joined.c.join_code_id == JoinCode.id)
        .order_by(JoinCode.created_at.desc(), JoinCode.id.desc())
    )
    return [
        CodeRow(code.code, code.tag, code.active, int(count), code.created_at)
        for code, count in rows
    ]
