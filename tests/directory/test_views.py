"""The learner directory: who may open it, what a search finds, what a learner page shows.

The seeded data (tests.dashboard.seed): 100 learners Lseed0000-Lseed0099,
"site-colon" on 0-39 and "site-david" on 40-42, 94-99 opted out, languages
es 0-59, en 60-89, fr 90-96, ht 97-99; each with a profile name and a
message text that must never appear on a staff page.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from bot.models import Learner
from bot.staff.models import AuditLog, LearnerTag
from bot.vocab import LearnerStatus
from tests.builders import add_learner
from tests.dashboard.conftest import PASSWORD, USERS
from tests.dashboard.pages import log_in
from tests.dashboard.seed import PROFILE_NAME, SECRET_BODY

EN = {"Accept-Language": "en"}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_ROW_IDS = re.compile(r'<th scope="row"><a href="/learners/(L\w+)">')
NUMBER = "+50761234567"


def logged_in(client, role: str = "staff"):  # type: ignore[no-untyped-def]
    assert log_in(client, USERS[role], PASSWORD).status_code == 302
    return client


def token(client) -> str:  # type: ignore[no-untyped-def]
    found = _TOKEN.search(client.get("/learners/").get_data(as_text=True))
    assert found
    return found.group(1)


def found_ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    return _ROW_IDS.findall(response.get_data(as_text=True))


def without_random_ids(page: str) -> str:
    """The page without learner ids and form tokens, which are random hex."""
    return _TOKEN.sub("", re.sub(r"\bL[0-9a-f]{16}\b", "", page))


def learner(db_session, public_id: str) -> Learner:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    row = db_session.scalar(select(Learner).where(Learner.public_id == public_id))
    assert row is not None
    return row


def audited(db_session) -> list[str]:  # type: ignore[no-untyped-def]
    return list(db_session.scalars(select(AuditLog.action).order_by(AuditLog.id)))


ROUTES = [
    ("get", "/learners/"),
    ("get", "/learners/export.csv"),
    ("get", "/learners/Lseed0001"),
    ("get", "/learners/Lseed0001/erase"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_visitors_are_sent_to_log_in_and_coordinators_refused(client, method, path):
    assert getattr(client, method)(path).headers["Location"].startswith("/staff/login")
    assert getattr(logged_in(client, "coordinator"), method)(path).status_code == 403


@pytest.mark.parametrize("role", ["staff", "admin"])
@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_staff_and_admins_open_every_page(client, role, method, path):
    assert getattr(logged_in(client, role), method)(path).status_code == 200


def test_the_menu_links_the_directory_for_staff_only(client):
    assert 'href="/learners/"' in logged_in(client, "staff").get("/tags/").get_data(as_text=True)
    client.post("/staff/logout", data={"csrf_token": token(client)})
    page = logged_in(client, "coordinator").get("/dashboard/").get_data(as_text=True)
    assert 'href="/learners/"' not in page


def test_the_list_pages_fifty_learners_newest_first(client):
    logged_in(client)
    first = client.get("/learners/", headers=EN)
    assert "100 learners" in first.get_data(as_text=True)
    ids = found_ids(first)
    assert len(ids) == 50 and ids[0] == "Lseed0099" and ids[-1] == "Lseed0050"
    second = client.get("/learners/?page=2", headers=EN)
    assert found_ids(second)[-1] == "Lseed0000"
    assert "Page 2 of 2" in second.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tag=site-david", ["Lseed0042", "Lseed0041", "Lseed0040"]),
        ("status=opted_out&language=ht", ["Lseed0099", "Lseed0098", "Lseed0097"]),
        ("language=fr&status=opted_out", ["Lseed0096", "Lseed0095", "Lseed0094"]),
        ("q=lseed0007", ["Lseed0007"]),  # typed in lower case
        ("tag=Site-David&language=en", []),
    ],
)
def test_filters_find_the_learners(client, query, expected):
    response = logged_in(client).get(f"/learners/?{query}", headers=EN)
    assert response.status_code == 200
    assert found_ids(response) == expected


def test_a_number_typed_in_finds_the_learner_and_is_never_shown(client, db_session, settings):
    new = add_learner(db_session, settings, number=NUMBER)
    logged_in(client)
    for typed in (NUMBER, "6123-4567", "+507 6123 4567"):
        response = client.post("/learners/", data={"csrf_token": token(client), "q": typed})
        assert response.status_code == 200
        assert found_ids(response) == [new.public_id]
        # Random learner ids and form tokens may hold these digits by chance.
        text = without_random_ids(response.get_data(as_text=True))
        assert "6123" not in text and "4567" not in text  # not even part of the number


def test_a_number_in_the_address_is_refused_not_searched(client, db_session, settings):
    add_learner(db_session, settings, number=NUMBER)
    sent_away = logged_in(client).get("/learners/?q=%2B50761234567", headers=EN)
    assert sent_away.status_code == 303 and "5076" not in sent_away.headers["Location"]
    response = client.get(sent_away.headers["Location"], headers=EN)
    assert response.status_code == 400
    assert found_ids(response) == []
    text = response.get_data(as_text=True)
    assert "searched only from the form" in text and "61234567" not in text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("q", "hola", "Type a learner id"),
        ("q", "+1 234 5", "Not a phone number we can read"),
        ("tag", "Bad Tag!", "A tag is 1 to 64"),
        ("status", "gone", "Choose a status"),
        ("language", "de", "Choose a language"),
    ],
)
def test_bad_input_gets_an_error_next_to_its_field(client, field, value, message):
    logged_in(client)
    response = client.post(
        "/learners/", data={"csrf_token": token(client), field: value}, headers=EN
    )
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert f'id="{field}-error"' in text and message in text
    assert f'id="{field}" name="{field}"' in text and 'aria-invalid="true"' in text


def test_the_learner_page_shows_progress_and_tags_and_nothing_personal(client):
    text = logged_in(client).get("/learners/Lseed0003", headers=EN).get_data(as_text=True)
    assert "site-colon" in text and "Active" in text
    assert re.search(r"\d+ of \d+ lessons done", text)
    assert PROFILE_NAME not in text and SECRET_BODY not in text and "encrypted-number" not in text


def test_an_unknown_learner_is_not_found(client):
    assert logged_in(client).get("/learners/Lnobody").status_code == 404


def test_pause_and_resume_from_the_page_are_audited(client, db_session):
    logged_in(client)
    response = client.post("/learners/Lseed0005/pause", data={"csrf_token": token(client)})
    assert response.status_code == 302
    assert learner(db_session, "Lseed0005").status == LearnerStatus.PAUSED
    page = client.get(response.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Paused: no lessons" in page and "Resume lessons" in page

    client.post("/learners/Lseed0005/resume", data={"csrf_token": token(client)})
    resumed = learner(db_session, "Lseed0005")
    assert (resumed.status, resumed.paused_until) == (LearnerStatus.ACTIVE, None)
    assert audited(db_session)[-2:] == ["learner.pause", "learner.resume"]


def test_an_opted_out_learner_cannot_be_paused(client, db_session):
    logged_in(client)
    response = client.post(
        "/learners/Lseed0095/pause", data={"csrf_token": token(client)}, headers=EN
    )
    assert response.status_code == 409
    assert "Only an active learner can be paused" in response.get_data(as_text=True)
    assert learner(db_session, "Lseed0095").status == LearnerStatus.OPTED_OUT


def test_a_form_without_the_token_changes_nothing(client, db_session):
    logged_in(client)
    assert client.post("/learners/Lseed0005/pause").status_code == 400
    assert learner(db_session, "Lseed0005").status == LearnerStatus.ACTIVE


def test_tags_from_the_page(client, db_session):
    logged_in(client)
    form = {"csrf_token": token(client), "tag": "Cohort-Page", "action": "add"}
    assert client.post("/learners/Lseed0050/tags", data=form).status_code == 302
    tags = set(
        db_session.scalars(
            select(LearnerTag.tag).where(
                LearnerTag.learner_id == learner(db_session, "Lseed0050").id
            )
        )
    )
    assert tags == {"cohort-page"}
    form["action"] = "remove"
    client.post("/learners/Lseed0050/tags", data=form)
    assert audited(db_session)[-2:] == ["learner_tag.add", "learner_tag.remove"]

    bad = client.post(
        "/learners/Lseed0050/tags",
        data={"csrf_token": token(client), "tag": "no spaces", "action": "add"},
        headers=EN,
    )
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert "A tag is 1 to 64" in text and 'value="no spaces"' in text


def test_erasure_needs_the_id_typed_and_leaves_only_the_pseudonym(client, db_session):
    logged_in(client)
    wrong = client.post(
        "/learners/Lseed0010/erase", data={"csrf_token": token(client), "confirm": "yes"}
    )
    assert wrong.status_code == 400
    assert learner(db_session, "Lseed0010").status == LearnerStatus.ACTIVE

    done = client.post(
        "/learners/Lseed0010/erase", data={"csrf_token": token(client), "confirm": "Lseed0010"}
    )
    assert done.status_code == 302
    erased = learner(db_session, "Lseed0010")
    assert erased.status == LearnerStatus.ERASED
    assert (erased.phone_hash, erased.phone_encrypted, erased.profile_name) == (None, None, None)
    assert db_session.scalars(select(LearnerTag).filter_by(learner_id=erased.id)).all() == []
    entry = db_session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert entry.action == "learner.erase" and entry.details == {"learner": "erased"}
    again = client.post(
        "/learners/Lseed0010/erase",
        data={"csrf_token": token(client), "confirm": "Lseed0010"},
        headers=EN,
    )
    assert again.status_code == 409


def test_the_csv_holds_the_search_and_no_number(client):
    response = logged_in(client).get("/learners/export.csv?tag=site-david")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="learners.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["learner", "status", "language"]
    assert [row[0] for row in rows[1:]] == ["Lseed0040", "Lseed0041", "Lseed0042"]
    assert all(row[-1] == "site-david" for row in rows[1:])
    text = response.get_data(as_text=True)
    assert "hash4" not in text and "encrypted" not in text and PROFILE_NAME not in text
