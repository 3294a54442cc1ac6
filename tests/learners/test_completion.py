"""Completion codes: short, unambiguous, unique; `lessonbot verify` shows no phone number."""

from __future__ import annotations

from datetime import datetime

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session

from bot.learners.completion import ALPHABET, assign_code, find_completion, new_code, verify
from bot.models import Enrollment, Learner
from bot.settings import Settings
from bot.vocab import LearnerStatus

COMPLETED = datetime(2026, 3, 2, 15, 30)
NUMBER_DIGITS = "61234567"


def test_codes_are_eight_unambiguous_characters() -> None:
    codes = {new_code() for _ in range(2000)}

    assert len(codes) == 2000
    assert all(len(code) == 8 and set(code) <= set(ALPHABET) for code in codes)
    assert not set("0O1I") & set(ALPHABET)


@pytest.fixture
def finished(db_session: Session) -> Enrollment:
    learner = Learner(
        channel="sms",
        status=LearnerStatus.ACTIVE,
        phone_hash="hash",
        phone_encrypted=f"encrypted +507{NUMBER_DIGITS}",
        created_at=COMPLETED,
    )
    db_session.add(learner)
    db_session.flush()
    enrollment = Enrollment(
        learner_id=learner.id,
        course_key="entrepreneurship",
        enrolled_at=COMPLETED,
        completed_at=COMPLETED,
    )
    db_session.add(enrollment)
    assign_code(db_session, enrollment)
    db_session.commit()
    return enrollment


def test_a_code_is_given_once(db_session: Session, finished: Enrollment) -> None:
    code = finished.verification_code

    assert code is not None
    assert assign_code(db_session, finished) == code


@pytest.mark.parametrize("typed", ["{code}", "{lower}", " {first}-{last} "])
def test_a_code_is_found_however_it_is_typed(
    db_session: Session, finished: Enrollment, typed: str
) -> None:
    code = finished.verification_code or ""
    text = typed.format(code=code, lower=code.lower(), first=code[:4], last=code[4:])

    found = find_completion(db_session, text)

    assert found is not None
    assert (found.course_key, found.completed_at) == ("entrepreneurship", COMPLETED)


def invoke(settings: Settings, code: str):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    return runner.invoke(verify, [code], env={"LESSONBOT_DATABASE_URL": settings.app.database_url})


def test_verify_prints_the_course_the_date_and_the_pseudonymous_id(
    settings: Settings, db_session: Session, finished: Enrollment
) -> None:
    learner = db_session.get(Learner, finished.learner_id)
    assert learner is not None

    result = invoke(settings, (finished.verification_code or "").lower())

    assert result.exit_code == 0, result.output
    assert "entrepreneurship" in result.output
    assert "completed: 2026-03-02" in result.output
    assert f"learner: {learner.public_id}" in result.output
    assert NUMBER_DIGITS not in result.output


def test_verify_fails_for_an_unknown_code(settings: Settings, finished: Enrollment) -> None:
    result = invoke(settings, "ZZZZ2222")

    assert result.exit_code != 0
    assert "unknown code: ZZZZ2222" in result.output
