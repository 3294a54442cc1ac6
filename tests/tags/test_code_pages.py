"""The join-code pages: staff and admins only, errors next to the field, a poster with its QR."""

from __future__ import annotations

import re

import pytest
import segno
from sqlalchemy import select

from bot.services import services
from bot.staff.models import JoinCode
from tests.dashboard.conftest import PASSWORD, USERS
from tests.dashboard.pages import log_in

EN = {"Accept-Language": "en"}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def logged_in(client, role: str = "staff"):  # type: ignore[no-untyped-def]
    assert log_in(client, USERS[role], PASSWORD).status_code == 302
    return client


def token_for(client, page: str) -> str:  # type: ignore[no-untyped-def]
    found = _TOKEN.search(client.get(page).get_data(as_text=True))
    assert found
    return found.group(1)


def token(client) -> str:  # type: ignore[no-untyped-def]
    return token_for(client, "/tags/codes/")


def make(client, code: str, tag: str = "site-colon"):  # type: ignore[no-untyped-def]
    form = {"csrf_token": token(client), "code": code, "tag": tag}
    return client.post("/tags/codes/", data=form, headers=EN)


ROUTES = [
    ("get", "/tags/codes/"),
    ("get", "/tags/codes/COLON24"),
    ("post", "/tags/codes/"),
    ("post", "/tags/codes/COLON24/deactivate"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_coordinators_and_visitors_cannot_use_the_codes(client, db_session, method, path):
    from bot.tags.joincodes import create_code
    from tests.builders import NOW

    create_code(db_session, "COLON24", "site-colon", NOW, None)
    db_session.commit()
    visitor = getattr(client, method)(path)
    assert visitor.status_code in (302, 400)  # to the log-in page; a POST lacks its token
    logged_in(client, "coordinator")
    form = {"csrf_token": token_for(client, "/staff/password"), "code": "X1Y", "tag": "x"}
    answer = getattr(client, method)(path, data=form) if method == "post" else client.get(path)
    assert answer.status_code == 403
    db_session.expire_all()
    assert db_session.scalar(select(JoinCode.active)) is True
    assert db_session.scalars(select(JoinCode.code)).all() == ["COLON24"]


@pytest.mark.parametrize("role", ["staff", "admin"])
def test_staff_make_a_code_and_see_it_listed(client, db_session, role):
    logged_in(client, role)
    made = make(client, "colon24")
    assert made.status_code == 303 and made.headers["Location"].endswith("created=COLON24")
    page = client.get(made.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Code COLON24 made." in page and "site-colon" in page
    assert db_session.scalar(select(JoinCode.code)) == "COLON24"


@pytest.mark.parametrize(
    ("code", "tag", "field", "message"),
    [
        ("COLON 24", "site-colon", "code", "no spaces"),
        ("STOP", "site-colon", "code", "already means something"),
        ("DAVID25", "Site David!", "tag", "A tag is 1 to 64"),
    ],
)
def test_a_bad_code_is_named_next_to_its_field_and_kept(client, code, tag, field, message):
    response = make(logged_in(client), code, tag)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert f'id="{field}-error"' in text and message in text
    assert f'value="{code}"' in text and f'value="{tag}"' in text


def test_a_code_in_use_is_refused(client):
    logged_in(client)
    make(client, "COLON24")
    again = make(client, "Colon24")
    assert again.status_code == 400 and "already in use" in again.get_data(as_text=True)


def test_the_poster_has_the_sms_way_the_whatsapp_link_and_its_qr(client, app):
    settings = services(app).settings
    services(app).settings = settings.with_overrides(
        {"twilio.sms_number": "+50760001111", "twilio.whatsapp_number": "+50760002222"}
    )
    logged_in(client)
    make(client, "COLON24")
    poster = client.get("/tags/codes/COLON24", headers=EN)
    assert poster.status_code == 200
    text = poster.get_data(as_text=True)
    assert "send COLON24 to +50760001111" in text
    link = "https://wa.me/50760002222?text=COLON24"
    assert link in text
    expected = segno.make(link, error="m").svg_inline(scale=6, title=link)
    assert expected in text  # the QR code encodes exactly that link


def test_a_poster_without_numbers_says_which_setting_to_fill(client):
    logged_in(client)
    make(client, "COLON24")
    text = client.get("/tags/codes/colon24", headers=EN).get_data(as_text=True)
    assert "fill twilio.sms_number and twilio.whatsapp_number" in text
    assert "<svg" not in text


def test_turning_a_code_off_and_on(client, db_session):
    logged_in(client)
    make(client, "COLON24")
    client.post("/tags/codes/COLON24/deactivate", data={"csrf_token": token(client)})
    db_session.expire_all()
    assert db_session.scalar(select(JoinCode.active)) is False
    assert "turned off" in client.get("/tags/codes/COLON24", headers=EN).get_data(as_text=True)
    client.post("/tags/codes/COLON24/activate", data={"csrf_token": token(client)})
    db_session.expire_all()
    assert db_session.scalar(select(JoinCode.active)) is True
    assert client.get("/tags/codes/NOPE1").status_code == 404
