"""Every staff form with arbitrary values (CSRF token included): never a 500.

Log-in, broadcast create / edit / send, the live audience count, learner
tags, the learner directory's search and tag form, the dashboard's filters
and exports, and the ``lessonbot users create``
command (staff accounts have no web form).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from bot.cli import main as lessonbot
from tests.fuzz.conftest import FUZZ, FuzzApp, csrf_token

pytestmark = pytest.mark.fuzz

ANY_TEXT = st.text(max_size=200)
LANGUAGES = st.one_of(st.sampled_from(["es", "en", "fr", "ht", ""]), ANY_TEXT)
# Dates and times near the calendar's ends as well as ordinary ones, and text that is not one.
DATES = st.one_of(
    st.dates().map(date.isoformat),
    st.sampled_from(["9999-12-31", "0001-01-01", "2026-02-30", "2026-13-01"]),
    ANY_TEXT,
)
DATETIMES = st.one_of(
    st.datetimes().map(lambda moment: moment.isoformat(timespec="minutes")),
    st.datetimes(timezones=st.timezones()).map(datetime.isoformat),
    st.sampled_from(["9999-12-31T23:59", "0001-01-01T00:00", "2026-03-04T25:00"]),
    ANY_TEXT,
)


def multi(values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(values, max_size=4)


@st.composite
def broadcast_forms(draw: st.DrawFn) -> dict[str, Any]:
    form: dict[str, Any] = {
        "title": draw(ANY_TEXT),
        "base_language": draw(LANGUAGES),
        "fallback_language": draw(LANGUAGES),
        "languages": draw(multi(LANGUAGES)),
        "channel": draw(st.one_of(st.sampled_from(["sms", "whatsapp"]), ANY_TEXT)),
        "course": draw(
            st.one_of(st.sampled_from(["entrepreneurship", "digital_safety"]), ANY_TEXT)
        ),
        "progress": draw(
            st.one_of(st.sampled_from(["not_started", "in_progress", "completed"]), ANY_TEXT)
        ),
        "enrolled_from": draw(DATES),
        "enrolled_to": draw(DATES),
        "tags": draw(multi(ANY_TEXT)),
        "include_paused": draw(st.sampled_from(["", "1", "on", "true", "no"])),
        "action": draw(st.one_of(st.sampled_from(["save", "count"]), ANY_TEXT)),
    }
    for language in ("es", "en", "fr", "ht"):
        form[f"text_{language}"] = draw(st.one_of(ANY_TEXT, st.text(max_size=2000)))
        form[f"name_fallback_{language}"] = draw(ANY_TEXT)
    return {name: value for name, value in form.items() if draw(st.booleans())}


def _post(admin: Any, page: str, path: str, form: dict[str, Any]) -> Any:
    token = csrf_token(admin.get(page).get_data(as_text=True))
    return admin.post(path, data={**form, "csrf_token": token})


def _new_draft(admin: Any) -> int:
    response = _post(
        admin, "/broadcasts/new", "/broadcasts/new", {"text_es": "Hola", "title": "fuzz"}
    )
    assert response.status_code == 302, response.status_code
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


@FUZZ
@given(form=broadcast_forms())
def test_broadcast_create(fuzz_app: FuzzApp, admin: Any, form: dict[str, Any]) -> None:
    response = _post(admin, "/broadcasts/new", "/broadcasts/new", form)
    fuzz_app.check("POST /broadcasts/new", response)


@FUZZ
@given(form=broadcast_forms())
def test_broadcast_edit(fuzz_app: FuzzApp, admin: Any, form: dict[str, Any]) -> None:
    page = f"/broadcasts/{_draft(admin)}/edit"
    response = _post(admin, page, page, form)
    fuzz_app.check("POST /broadcasts/<id>/edit", response)


_DRAFTS: list[int] = []


def _draft(admin: Any) -> int:
    """One draft that every example edits (made on first use)."""
    if not _DRAFTS:
        _DRAFTS.append(_new_draft(admin))
    return _DRAFTS[0]


@FUZZ
@given(
    when=st.one_of(st.sampled_from(["now", "later"]), ANY_TEXT),
    send_at=DATETIMES,
    step=st.sampled_from(["send", "approve", "undo", "cancel"]),
)
def test_broadcast_send_and_other_steps(
    fuzz_app: FuzzApp, admin: Any, when: str, send_at: str, step: str
) -> None:
    broadcast = _new_draft(admin)
    response = _post(
        admin,
        f"/broadcasts/{broadcast}",
        f"/broadcasts/{broadcast}/{step}",
        {"when": when, "send_at": send_at},
    )
    fuzz_app.check("POST /broadcasts/<id>/<step>", response)


@FUZZ
@given(form=broadcast_forms())
def test_audience_count(fuzz_app: FuzzApp, admin: Any, form: dict[str, Any]) -> None:
    response = admin.get("/broadcasts/audience/count", query_string=form)
    fuzz_app.check("GET /broadcasts/audience/count", response)


@FUZZ
@given(data=st.data())
def test_tags(fuzz_app: FuzzApp, admin: Any, data: st.DataObject) -> None:
    ids = data.draw(st.lists(st.one_of(st.sampled_from(fuzz_app.public_ids), ANY_TEXT)))
    form = {
        "tag": data.draw(
            st.one_of(st.from_regex(r"[a-z0-9][a-z0-9._-]{0,70}", fullmatch=True), ANY_TEXT)
        ),
        "learners": data.draw(st.sampled_from(["\n", "\r\n", ",", " "])).join(ids),
        "action": data.draw(st.one_of(st.sampled_from(["add", "remove"]), ANY_TEXT)),
    }
    response = _post(admin, "/tags/", "/tags/", form)
    fuzz_app.check("POST /tags/", response)


@FUZZ
@given(
    code=st.one_of(st.from_regex(r"[A-Za-z0-9]{1,24}", fullmatch=True), ANY_TEXT),
    tag=st.one_of(st.sampled_from(["site-colon", ""]), ANY_TEXT),
)
def test_join_codes(fuzz_app: FuzzApp, admin: Any, code: str, tag: str) -> None:
    response = _post(admin, "/tags/codes/", "/tags/codes/", {"code": code, "tag": tag})
    fuzz_app.check("POST /tags/codes/", response)


@st.composite
def learner_searches(draw: st.DrawFn) -> dict[str, str]:
    form = {
        "q": draw(
            st.one_of(
                st.sampled_from(["Lseed0001", "lSEED0001", "+50761234567", "6123-4567", "+1 2"]),
                st.from_regex(r"\+?[0-9 ().-]{6,24}", fullmatch=True),
                ANY_TEXT,
            )
        ),
        "tag": draw(st.one_of(st.sampled_from(["site-colon", ""]), ANY_TEXT)),
        "course": draw(st.one_of(st.sampled_from(["entrepreneurship", ""]), ANY_TEXT)),
        "language": draw(LANGUAGES),
        "status": draw(st.one_of(st.sampled_from(["active", "opted_out", ""]), ANY_TEXT)),
        "page": draw(st.one_of(st.integers().map(str), ANY_TEXT)),
    }
    return {name: value for name, value in form.items() if draw(st.booleans())}


@FUZZ
@given(form=learner_searches())
def test_learner_search(fuzz_app: FuzzApp, admin: Any, form: dict[str, str]) -> None:
    fuzz_app.check("POST /learners/", _post(admin, "/learners/", "/learners/", form))
    fuzz_app.check("GET /learners/ (filters)", admin.get("/learners/", query_string=form))


@FUZZ
@given(data=st.data())
def test_learner_page_tags(fuzz_app: FuzzApp, admin: Any, data: st.DataObject) -> None:
    public_id = data.draw(st.sampled_from(fuzz_app.public_ids))
    form = {
        "tag": data.draw(
            st.one_of(st.from_regex(r"[a-z0-9][a-z0-9._-]{0,70}", fullmatch=True), ANY_TEXT)
        ),
        "action": data.draw(st.one_of(st.sampled_from(["add", "remove"]), ANY_TEXT)),
    }
    response = _post(admin, "/learners/", f"/learners/{public_id}/tags", form)
    fuzz_app.check("POST /learners/<id>/tags", response)


@FUZZ
@given(
    email=st.one_of(st.emails().map(str), ANY_TEXT),
    password=ANY_TEXT,
    next_path=st.one_of(st.sampled_from(["/dashboard/", "//evil.example", ""]), ANY_TEXT),
    ip=st.ip_addresses().map(str),
)
def test_login(fuzz_app: FuzzApp, email: str, password: str, next_path: str, ip: str) -> None:
    client = fuzz_app.app.test_client()
    token = csrf_token(client.get("/staff/login").get_data(as_text=True))
    form = {"email": email, "password": password, "next": next_path, "csrf_token": token}
    response = client.post("/staff/login", data=form, environ_base={"REMOTE_ADDR": ip})
    fuzz_app.check("POST /staff/login", response)


FILTER_ARGS = st.fixed_dictionaries(
    {},
    optional={
        "start": DATES,
        "end": DATES,
        "course": st.one_of(st.sampled_from(["entrepreneurship", "digital_safety"]), ANY_TEXT),
        "language": LANGUAGES,
        "channel": st.one_of(st.sampled_from(["sms", "whatsapp"]), ANY_TEXT),
        "tag": ANY_TEXT,
    },
)
DASHBOARD = (
    "/dashboard/",
    "/dashboard/funnel",
    "/dashboard/quiz",
    "/dashboard/delivery",
    "/dashboard/export/overview/by_language.csv",
    "/dashboard/export/progress.csv",
)


@FUZZ
@given(view=st.sampled_from(DASHBOARD), args=FILTER_ARGS)
def test_dashboard_filters(fuzz_app: FuzzApp, admin: Any, view: str, args: dict[str, str]) -> None:
    response = admin.get(view, query_string=args)
    response.get_data()  # an export streams: its rows are made while it is read
    fuzz_app.check("GET /dashboard (filters)", response)
    if response.status_code == 400:
        assert "2000-01-01" in response.get_data(as_text=True)  # the range, in any language


@FUZZ
@given(
    email=st.one_of(st.emails().map(str), ANY_TEXT),
    role=st.one_of(st.sampled_from(["admin", "staff", "coordinator"]), ANY_TEXT),
    # A line of stdin: no line break, and no lone surrogate (not encodable, so no
    # terminal can send one).
    password=st.text(
        alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\r\n"),
        max_size=80,
    ),
)
def test_users_create_command(fuzz_app: FuzzApp, email: str, role: str, password: str) -> None:
    settings = fuzz_app.settings
    # The fuzz database and its secrets (none from var/dev-secrets.env).
    env = {
        "LESSONBOT_DATABASE_URL": settings.app.database_url,
        "LESSONBOT_PHONE_HASH_KEY": settings.secrets.phone_hash_key,
        "LESSONBOT_PHONE_ENCRYPTION_KEY": settings.secrets.phone_encryption_key,
        "LESSONBOT_SECRET_KEY": settings.secrets.secret_key,
        "LESSONBOT_RASA_TOKEN": settings.rasa.token,
        "TWILIO_AUTH_TOKEN": settings.twilio.auth_token,
    }
    result = CliRunner().invoke(
        lessonbot,
        ["users", "create", "--email", email, "--role", role, "--password-stdin"],
        input=password + "\n",
        env=env,
    )
    fuzz_app.check("lessonbot users create", _CliOutcome(result.exit_code))
    # 0 created, 1 refused with a reason, 2 a usage error: never a traceback.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output


class _CliOutcome:
    """A command's exit as the check reads a response: a crash counts as a 500."""

    def __init__(self, exit_code: int) -> None:
        self.status_code = 200 if exit_code in (0, 1, 2) else 500
