"""The broadcast pages as staff use them: roles, CSRF, errors on the form, the CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.broadcasts import queueing
from bot.broadcasts.models import Broadcast, BroadcastStatus
from bot.messaging.channels.local import LocalChannel
from bot.messaging.pacer import Pacer
from bot.messaging.worker import run_sends_once
from bot.models import Learner
from bot.services import services
from bot.staff.models import AuditLog
from tests.broadcasts.builders import NOW, add_learner, csrf_token, log_in

PAGES = (
    "/broadcasts/",
    "/broadcasts/new",
    "/broadcasts/{id}",
    "/broadcasts/{id}/edit",
    "/broadcasts/{id}/recipients.csv",
    "/broadcasts/audience/count",
)
STEPS = ("send", "approve", "undo", "cancel")
PHONES = ("+50761112222", "+50763334444")


@pytest.fixture
def setup(db_session, settings, people):  # type: ignore[no-untyped-def]
    """The staff accounts, and three learners (one on WhatsApp with a profile name)."""
    add_learner(db_session, settings, phone=PHONES[0], language="es")
    add_learner(
        db_session,
        settings,
        phone=PHONES[1],
        language="en",
        channel="whatsapp",
        profile_name="Rosa Example",
        last_inbound_at=NOW - timedelta(hours=1),
    )
    add_learner(db_session, settings, language="es", tags=("site-colon",))
    db_session.commit()
    return people


def compose(client, **fields: str):  # type: ignore[no-untyped-def]
    page = client.get("/broadcasts/new").get_data(as_text=True)
    form = {"csrf_token": csrf_token(page), "base_language": "es", "action": "save"} | fields
    return client.post("/broadcasts/new", data=form)


def error_fields(html: str) -> set[str]:
    return set(re.findall(r'class="error field-error" id="([a-z_]+)-error"', html))


def test_a_coordinator_cannot_reach_the_broadcast_pages(client, setup, db_session):
    broadcast_id = _a_draft(client, setup)
    client.post(
        "/staff/logout",
        data={"csrf_token": csrf_token(client.get("/broadcasts/").get_data(as_text=True))},
    )
    log_in(client, "coordinator@example.org")
    for path in PAGES:
        assert client.get(path.format(id=broadcast_id)).status_code == 403, path
    token = csrf_token(client.get("/dashboard/").get_data(as_text=True))  # the log-out form's
    for step in STEPS:
        response = client.post(f"/broadcasts/{broadcast_id}/{step}", data={"csrf_token": token})
        assert response.status_code == 403, step
    assert "Broadcasts" not in client.get("/dashboard/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_log_in(client, setup):
    for path in PAGES:
        response = client.get(path.format(id=1))
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/staff/login?next=")


@pytest.mark.parametrize("role", ["author", "admin"])
def test_staff_and_admins_compose_and_see_the_preview(client, setup, role):
    log_in(client, f"{role}@example.org")
    response = compose(
        client,
        text_es="Hola {first_name}, hay taller el sábado.",
        name_fallback_es="amiga",
        text_en="Hi {first_name}, workshop on Saturday.",
        name_fallback_en="friend",
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="preview-recipients">3<' in page
    # As an SMS learner's phone shows it: Spanish SMS go accent-free, in GSM-7;
    # WhatsApp keeps the accent.
    assert "Hola amiga, hay taller el sabado." in page
    assert "Hola amiga, hay taller el sábado." in page
    assert "GSM-7" in page and "UCS-2" not in page
    assert 'id="preview-cost">US$ 0.11<' in page  # 2 SMS x 1 segment x 0.05 + 1 WhatsApp x 0.005


@pytest.mark.parametrize(
    ("case", "fields", "field"),
    [
        ("empty message", {"text_es": "  "}, "text_es"),
        ("over 1,600 characters", {"text_es": "a" * 1601}, "text_es"),
        (
            "a name with no value",
            {"text_es": "Hi {first_name}", "text_en": "Hi"},
            "name_fallback_es",
        ),
        ("an unknown variable", {"text_es": "Hola {nombre}", "text_en": "Hi"}, "text_es"),
        ("no text for English readers", {"text_es": "Hola"}, "text_en"),
        ("nobody in the segment", {"text_es": "Hola", "languages": "fr"}, "audience"),
        # The day after 9999-12-31 does not exist: this was a 500 (OverflowError).
        (
            "enrolled until the calendar's end",
            {"text_es": "Hola", "text_en": "Hi", "enrolled_to": "9999-12-31"},
            "enrolled_to",
        ),
        (
            "enrolled from no such day",
            {"text_es": "Hola", "text_en": "Hi", "enrolled_from": "2026-02-30"},
            "enrolled_from",
        ),
    ],
)
def test_bad_input_is_an_error_on_the_form_naming_the_field(client, setup, case, fields, field):
    log_in(client, "author@example.org")
    response = compose(client, **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422, case
    assert field in error_fields(html), (case, error_fields(html))
    assert f'href="#{field}"' in html  # the list at the top links to the field
    assert f'id="{field}"' in html


def test_a_scheduled_time_in_the_past_is_an_error_on_send_at(client, setup):
    broadcast_id = _a_draft(client, setup)
    page = client.get(f"/broadcasts/{broadcast_id}").get_data(as_text=True)
    form = {"csrf_token": csrf_token(page), "when": "later", "send_at": "2026-03-04T09:00"}
    response = client.post(f"/broadcasts/{broadcast_id}/send", data=form)  # 09:00 < 10:00 Panama
    assert response.status_code == 422
    assert error_fields(response.get_data(as_text=True)) == {"send_at"}


def test_a_draft_saved_with_a_bad_date_cannot_be_sent_to_a_wider_segment(client, setup, db_session):
    # Dropping the date would send to every enrolled learner instead of those meant.
    log_in(client, "author@example.org")
    saved = compose(client, text_es="Hola", text_en="Hi", enrolled_from="31/12/2025")
    assert saved.status_code == 422
    broadcast_id = db_session.scalars(select(Broadcast.id).order_by(Broadcast.id.desc())).first()
    page = client.get(f"/broadcasts/{broadcast_id}").get_data(as_text=True)

    form = {"csrf_token": csrf_token(page), "when": "now"}
    response = client.post(f"/broadcasts/{broadcast_id}/send", data=form)

    assert response.status_code == 422
    assert "Enrolled from" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Broadcast, broadcast_id).status == "draft"


@pytest.mark.parametrize("send_at", ["9999-12-31T23:59", "0001-01-01T00:00", "2026-03-04T25:00"])
def test_a_scheduled_time_off_the_calendar_is_an_error_on_send_at(client, setup, send_at):
    # 9999-12-31 23:59 in Panama is past the calendar's end in UTC: this was a 500.
    broadcast_id = _a_draft(client, setup)
    page = client.get(f"/broadcasts/{broadcast_id}").get_data(as_text=True)
    form = {"csrf_token": csrf_token(page), "when": "later", "send_at": send_at}
    response = client.post(f"/broadcasts/{broadcast_id}/send", data=form)
    assert response.status_code == 422
    assert error_fields(response.get_data(as_text=True)) == {"send_at"}


def test_a_form_without_the_csrf_token_is_refused(client, setup, db_session):
    broadcast_id = _a_draft(client, setup)
    refused = client.post(f"/broadcasts/{broadcast_id}/send", data={"when": "now"})
    assert refused.status_code == 400
    assert client.post("/broadcasts/new", data={"text_es": "Hola"}).status_code == 400
    db_session.expire_all()
    assert db_session.get(Broadcast, broadcast_id).status == BroadcastStatus.DRAFT


def test_the_author_cannot_approve_a_colleague_can(client, app, setup, db_session):
    services(app).settings = services(app).settings.with_overrides(
        {"broadcasts.approval_threshold": 2}
    )
    broadcast_id = _a_draft(client, setup)
    page = client.get(f"/broadcasts/{broadcast_id}").get_data(as_text=True)
    client.post(
        f"/broadcasts/{broadcast_id}/send", data={"csrf_token": csrf_token(page), "when": "now"}
    )
    page = client.get(f"/broadcasts/{broadcast_id}").get_data(as_text=True)
    assert "Waiting for approval" in page and 'id="approve"' not in page
    refused = client.post(
        f"/broadcasts/{broadcast_id}/approve", data={"csrf_token": csrf_token(page)}
    )
    assert "other than its author" in client.get(refused.headers["Location"]).get_data(as_text=True)

    other = app.test_client()
    log_in(other, "colleague@example.org")
    page = other.get(f"/broadcasts/{broadcast_id}").get_data(as_text=True)
    assert 'id="approve"' in page
    other.post(f"/broadcasts/{broadcast_id}/approve", data={"csrf_token": csrf_token(page)})
    db_session.expire_all()
    approved = db_session.get(Broadcast, broadcast_id)
    assert (approved.status, approved.approved_by_id) == (
        BroadcastStatus.SCHEDULED,
        setup["colleague"].id,
    )
    logged = db_session.scalars(
        select(AuditLog.action).where(AuditLog.action.like("broadcast.%"))
    ).all()
    assert logged == ["broadcast.create", "broadcast.send", "broadcast.approve"]


def test_the_recipients_csv_names_pseudonymous_ids_never_numbers(
    client, setup, db_session, sessions, settings
):
    broadcast_id = _a_draft(client, setup)
    page = client.get(f"/broadcasts/{broadcast_id}").get_data(as_text=True)
    client.post(
        f"/broadcasts/{broadcast_id}/send", data={"csrf_token": csrf_token(page), "when": "now"}
    )
    start = NOW + timedelta(seconds=settings.broadcasts.undo_seconds)
    queueing.run(sessions, settings, start)
    run_sends_once(sessions, LocalChannel(), settings, Pacer(1000), start)

    response = client.get(f"/broadcasts/{broadcast_id}/recipients.csv")
    data = response.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(data.lstrip("\ufeff"))))
    assert rows[0][:5] == ["public_id", "language", "route", "state", "status"]
    public_ids = set(db_session.scalars(select(Learner.public_id)))
    assert {row[0] for row in rows[1:]} == public_ids
    assert {row[4] for row in rows[1:]} == {"delivered"}
    for secret in (*PHONES, *(p.removeprefix("+") for p in PHONES), "61112222", "Rosa", "Hola"):
        assert secret not in data
    page = client.get(f"/broadcasts/{broadcast_id}").get_data(as_text=True)
    assert 'id="count-delivered"><span class="value">3<' in page


def test_the_live_count_follows_the_filters(client, setup):
    log_in(client, "author@example.org")
    assert client.get("/broadcasts/audience/count").get_json() == {
        "count": 3,
        "label": "3 learners",
    }
    narrowed = client.get("/broadcasts/audience/count?languages=es&tags=site-colon").get_json()
    assert narrowed == {"count": 1, "label": "1 learner"}


def test_the_pages_allow_their_own_script_and_nothing_else(client, setup):
    log_in(client, "author@example.org")
    policy = client.get("/broadcasts/new").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    with client.get("/broadcasts/static/audience.js") as script:
        assert script.status_code == 200


def _a_draft(client, setup) -> int:  # type: ignore[no-untyped-def]
    log_in(client, "author@example.org")
    response = compose(
        client, text_es="Hola, la oficina cierra el viernes.", text_en="Closed Friday."
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_the_pages_speak_spanish_too(client, setup):
    log_in(client, "author@example.org")
    client.get("/staff/language/es")
    page = client.get("/broadcasts/new").get_data(as_text=True)
    assert "Nueva difusión" in page and "3 participantes" in page
    response = compose(client, text_es="")
    assert "El mensaje está vacío" in response.get_data(as_text=True)
