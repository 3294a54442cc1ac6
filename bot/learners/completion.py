"""Completion codes: a short code per finished course that staff can check.

The learner gets the code with the completion message; `lessonbot verify CODE`
prints the course, the completion date and the learner's pseudonymous id
(never a phone number). Codes are 8 characters from an alphabet without the
look-alikes 0/O and 1/I, read back case-insensitively: 32**8 (about 10**12)
codes, drawn with ``secrets``, so a code cannot be guessed from another.
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from datetime import datetime

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Enrollment, Learner

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8
# Exit status of `lessonbot verify` for a code that matches no completion.
UNKNOWN_CODE_EXIT = 1


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a person typed, as stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")


def assign_code(session: Session, enrollment: Enrollment) -> str:
    """Give a finished enrolment its code (once); return it.

    The column is unique: a clash (one in 10**12 per code already issued) is
    drawn again here rather than left to fail the learner's turn.
    """
    if enrollment.verification_code is None:
        code = new_code()
        while session.scalar(select(Enrollment.id).where(Enrollment.verification_code == code)):
            code = new_code()
        enrollment.verification_code = code
    return enrollment.verification_code


def completion_code(session: Session, learner_id: int, course_key: str) -> str | None:
    return session.scalar(
        select(Enrollment.verification_code).where(
            Enrollment.learner_id == learner_id, Enrollment.course_key == course_key
        )
    )


@dataclass(frozen=True)
class Completion:
    course_key: str
    completed_at: datetime
    learner_public_id: str


def find_completion(session: Session, code: str) -> Completion | None:
    """The completion a code stands for; None for an unknown code or an unfinished course."""
    row = session.execute(
        select(Enrollment.course_key, Enrollment.completed_at, Learner.public_id)
        .join(Learner, Learner.id == Enrollment.learner_id)
        .where(Enrollment.verification_code == normalise_code(code))
    ).first()
    if row is None or row.completed_at is None:
        return None
    return Completion(row.course_key, row.completed_at, row.public_id)


@click.command("verify")
@click.argument("code")
def verify(code: str) -> None:
    """Check a learner's completion code: the course, the date and their pseudonymous id."""
    from bot.db import make_engine, make_session_factory
    from bot.settings import load_settings
    from lessons import load_catalog

    settings = load_settings()
    engine = make_engine(settings.app.database_url)
    try:
        with make_session_factory(engine)() as session:
            found = find_completion(session, code)
    finally:
        engine.dispose()
    if found is None:
        click.echo(f"unknown code: {normalise_code(code)}", err=True)
        sys.exit(UNKNOWN_CODE_EXIT)
    try:
        title = load_catalog(settings.lessons_path).course(found.course_key).title["en"]
    except KeyError:
        title = found.course_key  # a course removed from the content since
    click.echo(f"course: {title} ({found.course_key})")
    click.echo(f"completed: {found.completed_at:%Y-%m-%d} (UTC)")
    click.echo(f"learner: {found.learner_public_id}")
