"""The app's own error pages: the page's language, the menu when logged in, no traceback;
the machine routes answer as before."""

from __future__ import annotations

import pytest
from flask import Flask, abort
from sqlalchemy import select

from bot.broadcasts.models import Broadcast
from bot.db import make_engine, make_session_factory
from bot.services import services
from bot.staff.models import AuditLog
from tests.dashboard.conftest import PASSWORD, USERS
from tests.dashboard.pages import log_in

HEADINGS = {
    ("es", 400): "No se pudo entender la solicitud",
    ("en", 400): "The request could not be understood",
    ("es", 403): "No puede abrir esta página",
    ("en", 403): "You cannot open this page",
    ("es", 404): "Página no encontrada",
    ("en", 404): "Page not found",
    ("es", 405): "Esta acción no es posible aquí",
    ("en", 405): "This action is not possible here",
    ("es", 413): "Demasiado enviado de una vez",
    ("en", 413): "Too much sent at once",
    ("es", 500): "Algo salió mal de nuestro lado",
    ("en", 500): "Something went wrong on our side",
}
SECRET = "Lsecret-in-the-failure"


@pytest.fixture
def app(app: Flask) -> Flask:  # type: ignore[override]
    """The seeded app, with routes that fail on purpose, answering as in production."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken() -> str:
        raise RuntimeError(f"database row for {SECRET} +50761234567")

    def bad_request() -> str:
        abort(400)

    app.add_url_rule("/staff/broken", "broken", broken)
    app.add_url_rule("/staff/bad", "bad", bad_request)
    return app


def request_for(client, code: int, language: str):  # type: ignore[no-untyped-def]
    headers = {"Accept-Language": language}
    if code == 400:
        return client.get("/staff/bad", headers=headers)
    if code == 403:
        return client.get("/broadcasts/", headers=headers)  # a coordinator may not
    if code == 404:
        return client.get("/staff/no-such-page", headers=headers)
    if code == 405:
        return client.get("/staff/logout", headers=headers)  # POST only
    if code == 413:
        return client.post("/staff/login", data={"email": "x" * 2_000_000}, headers=headers)
    return client.get("/staff/broken", headers=headers)


@pytest.mark.parametrize("language", ["es", "en"])
@pytest.mark.parametrize("code", [400, 403, 404, 405, 413, 500])
def test_each_error_is_a_page_in_the_language_with_the_menu(client, code, language):
    assert log_in(client, USERS["coordinator"], PASSWORD).status_code == 302
    response = request_for(client, code, language)
    assert response.status_code == code
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert f'<html lang="{language}">' in page
    assert HEADINGS[(language, code)] in page
    assert 'aria-label="Menú principal"' in page if language == "es" else "Main menu" in page
    assert 'href="/dashboard/"' in page  # the coordinator's menu
    assert "/staff/" in page and "coord@example.org" in page
    assert "Traceback" not in page and "Werkzeug" not in page
    assert 'href="#content"' in page and 'id="content"' in page
    if code == 405:
        assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize("code", [404, 500])
def test_anonymous_visitors_get_the_page_without_the_menu(client, code):
    response = request_for(client, code, "es")
    assert response.status_code == code
    page = response.get_data(as_text=True)
    assert HEADINGS[("es", code)] in page
    assert 'class="menu"' not in page
    assert 'href="/staff/login"' in page  # the way back for a visitor


def test_a_500_shows_no_traceback_and_no_personal_data(client):
    log_in(client, USERS["staff"], PASSWORD)
    page = client.get("/staff/broken", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "RuntimeError" not in page and SECRET not in page and "+50761234567" not in page
    assert "Traceback" not in page and 'File "' not in page


def test_the_way_back_is_the_page_one_came_from_on_this_site_only(client):
    log_in(client, USERS["staff"], PASSWORD)
    here = client.get("/staff/nope", headers={"Referer": "http://localhost/tags/"})
    assert 'href="/tags/"' in here.get_data(as_text=True)
    elsewhere = client.get("/staff/nope", headers={"Referer": "https://evil.example/x"})
    assert "evil.example" not in elsewhere.get_data(as_text=True)


def test_machine_routes_keep_their_answers(client):
    # Twilio: unsigned is 403 and an unknown path 404, as Werkzeug says it (no menu, no page).
    for response, code in (
        (client.post("/twilio/inbound", data={"Body": "hola"}), 403),
        (client.get("/twilio/inbound"), 405),
        (client.get("/twilio/nothing"), 404),
        (client.get("/metrics"), 404),
    ):
        assert response.status_code == code
        body = response.get_data(as_text=True)
        assert "lessonbot" not in body and "skip-link" not in body
    healthz = client.get("/healthz")
    assert healthz.status_code == 200 and healthz.get_json() == {"status": "ok"}
    readyz = client.get("/readyz")
    assert readyz.mimetype == "application/json" and "checks" in readyz.get_json()


def test_a_refused_form_elsewhere_keeps_the_text_to_copy_but_never_a_password(client):
    log_in(client, USERS["staff"], PASSWORD)
    form = {"current_password": PASSWORD, "new_password": "n" * 20, "confirm_password": "n" * 20}
    response = client.post("/staff/password", data=form, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The form has expired" in page and PASSWORD not in page and "n" * 20 not in page
    login = client.post(
        "/staff/login",
        data={"email": "typed@example.org", "password": "hunter22"},
        headers={"Accept-Language": "es"},
    )
    text = login.get_data(as_text=True)
    assert login.status_code == 400 and "El formulario ha caducado" in text
    assert "typed@example.org" in text and "readonly" in text and "hunter22" not in text


def test_a_refused_broadcast_keeps_the_compose_form_as_typed(client, db_session):
    log_in(client, USERS["staff"], PASSWORD)
    form = {"title": "Feria de empleo", "text_es": "Mañana hay feria en Colón", "action": "save"}
    response = client.post("/broadcasts/new", data=form, headers={"Accept-Language": "es"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'value="Feria de empleo"' in page
    assert "Mañana hay feria en Colón</textarea>" in page
    assert "El formulario había caducado" in page
    assert 'name="csrf_token" value="' in page  # a fresh token: submitting again works
    assert db_session.scalars(select(Broadcast)).all() == []


def test_a_refused_tag_form_keeps_the_tag_the_ids_and_the_action(client, db_session):
    log_in(client, USERS["staff"], PASSWORD)
    form = {"tag": "cohort-x", "learners": "Lseed0001\nLseed0002", "action": "remove"}
    response = client.post("/tags/", data=form, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'value="cohort-x"' in page and "Lseed0001\nLseed0002</textarea>" in page
    assert 'value="remove" checked' in page
    assert "The form had expired" in page
    actions = db_session.scalars(select(AuditLog.action)).all()
    assert not [action for action in actions if action.startswith("learner_tag")]


def test_a_refused_form_shows_no_form_to_a_role_that_may_not_open_it(client):
    log_in(client, USERS["coordinator"], PASSWORD)
    response = client.post("/tags/", data={"tag": "x", "learners": "Lseed0001"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The form has expired" in page or "El formulario ha caducado" in page
    assert "site-colon" not in page  # the tags page's table of tags in use


def test_with_the_database_down_the_500_page_still_shows_without_the_menu(app, client, tmp_path):
    log_in(client, USERS["staff"], PASSWORD)
    gone = make_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'x.db'}")
    services(app).sessions = make_session_factory(gone)
    response = client.get("/tags/", headers={"Accept-Language": "es"})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert HEADINGS[("es", 500)] in page
    assert 'class="menu"' not in page and "OperationalError" not in page
