"""Learners, staff accounts and broadcasts for the broadcast tests."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from bot.broadcasts import lifecycle
from bot.broadcasts.audience import Audience
from bot.broadcasts.compose import Draft
from bot.broadcasts.models import Broadcast
from bot.models import Enrollment, Learner, LessonDelivery
from bot.phones import encrypt_phone, phone_hash
from bot.settings import Settings
from bot.staff.accounts import create_user
from bot.staff.models import LearnerTag, StaffUser
from bot.vocab import LearnerStatus

# 10:00 in Panama: outside the quiet hours (21:00-07:00) there.
NOW = datetime(2026, 3, 4, 15, 0)
PASSWORD = "correct horse battery staple"
# The accounts every test database has (tests/broadcasts/conftest.py): name -> role.
STAFF = {"author": "staff", "colleague": "staff", "coordinator": "coordinator", "admin": "admin"}
_numbers = itertools.count(1)
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def number() -> str:
    return f"+5076{next(_numbers):07d}"


def add_learner(
    session: Session,
    settings: Settings,
    *,
    language: str | None = "es",
    channel: str = "sms",
    status: str = LearnerStatus.ACTIVE,
    timezone: str = "America/Panama",
    last_inbound_at: datetime | None = None,
    profile_name: str | None = None,
    course: str | None = None,
    enrolled_at: datetime | None = None,
    completed: bool = False,
    lessons: int = 0,
    tags: tuple[str, ...] = (),
    phone: str | None = None,
) -> Learner:
    """One learner (not committed); course, progress and tags as asked."""
    phone = phone or number()
    learner = Learner(
        phone_hash=phone_hash(phone, settings.secrets.phone_hash_key),
        phone_encrypted=encrypt_phone(phone, settings.secrets.phone_encryption_key),
        channel=channel,
        language=language,
        status=status,
        timezone=timezone,
        profile_name=profile_name,
        course_key=course,
        created_at=NOW - timedelta(days=30),
        last_inbound_at=last_inbound_at,
        opted_out_at=NOW - timedelta(days=1) if status == LearnerStatus.OPTED_OUT else None,
    )
    session.add(learner)
    session.flush()
    if course:
        when = enrolled_at or NOW - timedelta(days=20)
        session.add(
            Enrollment(
                learner_id=learner.id,
                course_key=course,
                enrolled_at=when,
                completed_at=when + timedelta(days=10) if completed else None,
            )
        )
        for index in range(lessons):
            session.add(
                LessonDelivery(
                    learner_id=learner.id,
                    course_key=course,
                    lesson_key=f"{course}-{index}",
                    delivered_at=when + timedelta(days=index),
                )
            )
    for tag in tags:
        session.add(LearnerTag(learner_id=learner.id, tag=tag, created_at=NOW))
    return learner


def add_staff(session: Session, email: str, role: str = "staff") -> StaffUser:
    return create_user(session, email, role, PASSWORD, NOW)


def make_broadcast(
    session: Session,
    author: StaffUser | None = None,
    texts: dict[str, str] | None = None,
    **changes: Any,
) -> Broadcast:
    values: dict[str, Any] = {
        "base_language": "es",
        "texts": texts or {"es": "Hola, la oficina cierra el viernes.", "en": "Hi, closed Friday."},
        "fallback_language": "es",
        "audience": Audience(),
    }
    values.update(changes)
    broadcast = lifecycle.create(session, Draft(**values), author.id if author else None, NOW)
    session.flush()
    return broadcast


def csrf_token(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


def log_in(client: Any, email: str) -> Any:
    token = csrf_token(client.get("/staff/login").get_data(as_text=True))
    form = {"email": email, "password": PASSWORD, "csrf_token": token}
    response = client.post("/staff/login", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    client.get("/staff/language/en")  # the pages default to Spanish; the tests read English
    return response
