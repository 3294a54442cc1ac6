"""Tags go on learners by pseudonymous id only; anything else is skipped unseen."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.models import Learner
from bot.staff.models import AuditLog, LearnerTag
from bot.tags.service import TagError, change_tag, normalise_tag, parse_ids, tag_counts
from bot.vocab import LearnerStatus
from tests.dashboard.seed import NOW


@pytest.mark.parametrize(
    ("case", "lines", "ids", "rejected"),
    [
        ("one a line", ["Lseed0001", "Lseed0002"], ("Lseed0001", "Lseed0002"), 0),
        ("commas, spaces, blanks", ["Lseed0001, Lseed0002", "", "  Lseed0003 "], 3, 0),
        ("each id once", ["Lseed0001", "Lseed0001"], ("Lseed0001",), 0),
        ("comments", ["# site Colón", "Lseed0001"], ("Lseed0001",), 0),
        ("phone numbers", ["+50761234567", "61234567", "whatsapp:+50761234567"], (), 3),
        ("a new-style id", ["L3f9a0c2b7d1e4f60"], ("L3f9a0c2b7d1e4f60",), 0),
        ("not ids", ["L", "Lseed-1", "María"], (), 3),
    ],
)
def test_ids_are_read_and_anything_else_is_counted_not_kept(case, lines, ids, rejected):
    parsed = parse_ids(lines)
    assert (len(parsed.ids) if isinstance(ids, int) else parsed.ids) == ids, case
    assert parsed.rejected == rejected, case


@pytest.mark.parametrize("text", ["", "two words", "site/colon", "-site", "x" * 65, "señal"])
def test_a_tag_must_be_a_plain_word(text):
    with pytest.raises(TagError):
        normalise_tag(text)


def test_tags_are_stored_in_lower_case():
    assert normalise_tag("  Cohort-2025.B_1 ") == "cohort-2025.b_1"


def test_adding_a_tag_reports_what_changed_and_is_audited(db_session):
    erased = db_session.scalar(select(Learner).where(Learner.public_id == "Lseed0099"))
    erased.status = LearnerStatus.ERASED
    learners = parse_ids(["Lseed0050", "Lseed0051", "Lseed9999", "Lseed0099", "+50761234567"])

    change = change_tag(db_session, "Cohort-A", learners, add=True, now=NOW, actor_id=None)
    db_session.commit()

    assert change.changed == ("Lseed0050", "Lseed0051")
    assert change.unknown == ("Lseed9999", "Lseed0099")  # an erased learner is not tagged again
    assert (change.unchanged, change.rejected) == (0, 1)
    assert ("cohort-a", 2) in tag_counts(db_session)
    entry = db_session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert entry.action == "learner_tag.add"
    assert entry.details == {"tag": "cohort-a", "learners": ["Lseed0050", "Lseed0051"]}
    assert "507" not in str(entry.details)


def test_adding_twice_changes_nothing_and_removing_takes_the_tag_off(db_session):
    learners = parse_ids(["Lseed0000", "Lseed0001", "Lseed0050"])

    again = change_tag(db_session, "site-colon", learners, add=True, now=NOW)
    assert (again.changed, again.unchanged) == (("Lseed0050",), 2)
    removed = change_tag(db_session, "site-colon", learners, add=False, now=NOW)
    db_session.commit()

    assert (removed.changed, removed.unchanged) == (("Lseed0000", "Lseed0001", "Lseed0050"), 0)
    tagged = db_session.scalars(select(LearnerTag.learner_id).where(LearnerTag.tag == "site-colon"))
    assert len(list(tagged)) == 38  # learners 2-39
    actions = db_session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions[-2:] == ["learner_tag.add", "learner_tag.remove"]
