"""Join codes from the learner's side: a message that is exactly an active code joins its cohort.

Staff make the codes (``bot.tags.joincodes``: letters and digits, never a
keyword or an option). The worker asks ``match_code`` before a turn: the
learner's whole message, spaces and case aside ("colon24 " is COLON24), is
compared with the active codes; ``join`` then puts the code's tag on the
learner and records the use, both at most once, so a retried turn or a
learner writing the code twice changes nothing. Functions take a session
and do not commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.staff.models import JoinCode, JoinCodeUse, LearnerTag

# What a code looks like once normalised: letters and digits, 3 to 20.
CODE_PATTERN = re.compile(r"^[A-Z0-9]{3,20}$")


@dataclass(frozen=True)
class CodeMatch:
    code_id: int
    code: str
    tag: str


def normalise_code(text: str) -> str:
    """A code as stored and compared: upper case, no spaces around it."""
    return text.strip().upper()


def could_be_code(text: str | None) -> bool:
    """Whether the message is shaped like a code at all (no database needed to say no)."""
    return bool(CODE_PATTERN.match(normalise_code(text or "")))


def match_code(session: Session, text: str | None) -> CodeMatch | None:
    """The active code this whole message is, if any (one indexed lookup)."""
    if not could_be_code(text):
        return None
    candidate = normalise_code(text or "")
    found = session.scalar(
        select(JoinCode).where(JoinCode.code == candidate, JoinCode.active.is_(True))
    )
    return CodeMatch(found.id, found.code, found.tag) if found else None


def join(session: Session, learner_id: int, match: CodeMatch, now: datetime) -> bool:
    """Put the code's tag on the learner and count the use; False if they had joined already."""
    tagged = session.scalar(
        select(LearnerTag.id).where(
            LearnerTag.learner_id == learner_id, LearnerTag.tag == match.tag
        )
    )
    if tagged is None:
        session.add(LearnerTag(learner_id=learner_id, tag=match.tag, created_at=now))
    used = session.scalar(
        select(JoinCodeUse.id).where(
            JoinCodeUse.join_code_id == match.code_id, JoinCodeUse.learner_id == learner_id
        )
    )
    if used is not None:
        return False
    session.add(JoinCodeUse(join_code_id=match.code_id, learner_id=learner_id, joined_at=now))
    session.flush()
    return True
