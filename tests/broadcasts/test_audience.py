"""The segment: each filter, a live count, and nobody who opted out or was erased."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from bot.broadcasts import audience as segment
from bot.broadcasts.audience import Audience
from bot.broadcasts.models import BroadcastRecipient
from bot.vocab import LearnerStatus
from tests.broadcasts.builders import NOW, add_learner, make_broadcast

COURSE = "entrepreneurship"
OTHER = "digital_safety"


@pytest.fixture
def population(db_session, settings):  # type: ignore[no-untyped-def]
    """12 learners who can be written to, and 5 who must never be counted."""
    add = lambda **kw: add_learner(db_session, settings, **kw)  # noqa: E731
    add(language="es", channel="sms", course=COURSE, lessons=0, tags=("site-colon",))
    add(language="es", channel="sms", course=COURSE, lessons=3, tags=("site-colon",))
    add(language="es", channel="whatsapp", course=COURSE, lessons=12, completed=True)
    add(language="en", channel="whatsapp", course=COURSE, lessons=2, tags=("site-david",))
    add(language="en", channel="sms", course=OTHER, lessons=1)
    add(language="fr", channel="sms", course=OTHER, lessons=0, enrolled_at=NOW - timedelta(days=2))
    add(language="ht", channel="whatsapp")
    add(language="ht", channel="sms", course=OTHER, lessons=5, completed=True)
    for _ in range(4):
        add(language="es", channel="sms")
    # Never counted: opted out, erased, still onboarding (no consent), no number; paused on request.
    add(language="es", status=LearnerStatus.OPTED_OUT, course=COURSE, tags=("site-colon",))
    add(language="es", status=LearnerStatus.ERASED)
    add(language="es", status=LearnerStatus.NEW)
    add(language="es").phone_encrypted = None
    add(language="es", status=LearnerStatus.PAUSED)
    db_session.commit()


@pytest.mark.parametrize(
    ("case", "filters", "expected"),
    [
        ("everyone who can be written to", {}, 12),
        ("Spanish", {"languages": ["es"]}, 7),
        ("Spanish or Creole", {"languages": ["es", "ht"]}, 9),
        ("WhatsApp", {"channel": "whatsapp"}, 3),
        ("SMS", {"channel": "sms"}, 9),
        ("a course", {"course": COURSE}, 4),
        ("not started", {"progress": "not_started"}, 2),
        ("in progress", {"progress": "in_progress"}, 3),
        ("completed", {"progress": "completed"}, 2),
        ("completed one course", {"course": OTHER, "progress": "completed"}, 1),
        ("enrolled lately", {"enrolled_from": (NOW - timedelta(days=5)).date().isoformat()}, 1),
        ("enrolled before", {"enrolled_to": (NOW - timedelta(days=5)).date().isoformat()}, 6),
        ("a tag", {"tags": ["site-colon"]}, 2),
        ("any of two tags", {"tags": ["site-colon", "site-david"]}, 3),
        ("tag and channel", {"tags": ["site-colon", "site-david"], "channel": "whatsapp"}, 1),
        ("paused ones too", {"include_paused": True}, 13),
    ],
)
def test_each_filter_counts_what_it_says(population, db_session, case, filters, expected):
    assert segment.count(db_session, Audience.from_json(filters)) == expected, case


def test_opted_out_and_erased_learners_are_never_counted(population, db_session):
    filters = {"tags": ["site-colon"], "languages": ["es"], "course": COURSE}
    assert segment.count(db_session, Audience.from_json(filters)) == 2  # not the opted-out one
    statuses = db_session.execute(
        select(func.count()).where(*Audience(include_paused=True).conditions())
    ).scalar()
    assert statuses == 13


def test_the_snapshot_holds_exactly_the_counted_learners(population, db_session):
    broadcast = make_broadcast(db_session, audience=Audience(languages=("es",)))
    taken = segment.snapshot(db_session, broadcast.id, Audience(languages=("es",)))
    stored = db_session.scalar(
        select(func.count()).where(BroadcastRecipient.broadcast_id == broadcast.id)
    )
    assert taken == stored == 7


def test_the_audience_survives_being_stored():
    audience = Audience(
        languages=("es", "fr"),
        channel="sms",
        course=COURSE,
        progress="in_progress",
        enrolled_from=date(2026, 1, 1),
        enrolled_to=date(2026, 2, 1),
        tags=("site-colon",),
        include_paused=True,
    )
    assert Audience.from_json(audience.to_json()) == audience
    assert Audience.from_json({"channel": "fax", "progress": "halfway"}) == Audience()
    swapped = Audience.from_json({"enrolled_from": "2026-02-01", "enrolled_to": "2026-01-01"})
    assert (swapped.enrolled_from, swapped.enrolled_to) == (date(2026, 1, 1), date(2026, 2, 1))
