"""`lessonbot whatsapp sync`: the Content behind WhatsApp's buttons and lists, made once.

Two stand-ins for Twilio's Content API: Prism serving Twilio's own OpenAPI
description checks that the list and create requests are what Twilio
accepts (it answers 422 to one that is not), and ``FakeContentApi``, an
in-process fake at the network edge (``httpx.MockTransport``, or a loopback
server for the command), keeps what is created so that a second run can
find it. The sender's Messages call with ContentSid and ContentVariables is
checked by Prism serving the Messages API.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import closing
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cli import main
from bot.messaging import content
from bot.messaging.channels.twilio import TwilioChannel
from bot.messaging.channels.twilio_content import ContentApiError, TwilioContent
from bot.messaging.content_sync import needed_choices, sync
from bot.messaging.pacer import Pacer
from bot.messaging.worker import run_sends_once
from bot.models import OutboxMessage, WhatsAppChoice
from bot.settings import Settings
from bot.text.choices import Choice, option_choice
from bot.text.menus import consent_menu, language_menu, menu_keywords
from lessons import load_catalog
from tests.builders import NOW, add_learner, add_outbox, new_sid
from tests.fakes import Answer, FakeChannel, FakeTime, Recorded, StandInServer
from tests.prism import CONTENT_OAI, MESSAGES_OAI, prism_server

ACCOUNT_SID = "AC" + "a1" * 16
AUTH_TOKEN = "secret-token"
SERVICE_SID = "MG" + "b2" * 16
CONTENT_URL = "https://content.twilio.test"
YES_NO = ["Sí", "No"]
PLACES = ["Panamá", "Colombia", "Venezuela", "Otro país"]


def twilio_settings(settings: Settings, content_url: str = CONTENT_URL, **more: str) -> Settings:
    return settings.with_overrides(
        {
            "twilio.account_sid": ACCOUNT_SID,
            "twilio.auth_token": AUTH_TOKEN,
            "twilio.messaging_service_sid": SERVICE_SID,
            "twilio.content_base_url": content_url,
            **more,
        }
    )


def choice_of(options: list[str], language: str = "es", text: str = "¿Cuál?") -> Choice:
    choice = option_choice(text, options, language)
    assert choice is not None
    return choice


class FakeContentApi:
    """Twilio's Content API as far as sync uses it: create, and list in pages.

    Like Twilio, it pages as it likes (``page_size``, whatever PageSize asks)
    and gives each next page as an absolute URL on Twilio's own host.
    """

    def __init__(
        self, page_size: int = 2, failure: Answer | None = None, fail_after: int = 0
    ) -> None:
        self.resources: list[dict[str, Any]] = []
        self.page_size = page_size
        # Each create after the first ``fail_after`` gets ``failure``.
        self.failure = failure
        self.fail_after = fail_after
        self.requests: list[str] = []  # "GET https://host/path?query"
        self.creates = 0

    def add(self, friendly_name: str, language: str = "es") -> str:
        sid = new_sid("HX")
        self.resources.append({"sid": sid, "friendly_name": friendly_name, "language": language})
        return sid

    def answer(self, method: str, url: str, headers: dict[str, str], body: bytes) -> Answer:
        self.requests.append(f"{method} {url}")
        expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if headers.get("authorization") != f"Basic {expected}":
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}, {}
        parts = urlsplit(url)
        if parts.path != "/v1/Content":
            return 404, {"code": 20404, "message": "Not found", "status": 404}, {}
        if method == "POST":
            if self.failure is not None and self.creates >= self.fail_after:
                return self.failure
            return self._create(json.loads(body))
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        start = int(query.get("PageToken", "0"))
        size = min(int(query.get("PageSize", "50")), self.page_size)
        end = start + size
        following = None
        if end < len(self.resources):
            following = f"https://content.twilio.com/v1/Content?PageSize={size}&PageToken={end}"
        meta = {"page_size": size, "next_page_url": following, "key": "contents"}
        return 200, {"contents": self.resources[start:end], "meta": meta}, {}

    def _create(self, data: dict[str, Any]) -> Answer:
        if not data.get("language") or not data.get("types"):
            return 400, {"code": 20001, "message": "Missing language or types", "status": 400}, {}
        self.creates += 1
        resource = {"sid": new_sid("HX"), **data}
        self.resources.append(resource)
        return 201, resource, {}

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            headers = {key.lower(): value for key, value in request.headers.items()}
            status, payload, extra = self.answer(
                request.method, str(request.url), headers, request.content
            )
            return httpx.Response(status, json=payload, headers=extra)

        return httpx.MockTransport(handle)

    def stand_in(self, request: Recorded) -> Answer:
        headers = {key.lower(): value for key, value in request.headers.items()}
        query = "&".join(f"{key}={values[0]}" for key, values in request.query.items())
        url = f"http://loopback{request.path}" + (f"?{query}" if query else "")
        return self.answer(request.method, url, headers, request.body)

    def titles(self, friendly_name: str) -> list[str]:
        """What the resource named so shows: its buttons' or items' titles."""
        (resource,) = [r for r in self.resources if r["friendly_name"] == friendly_name]
        types = resource["types"]
        if "twilio/quick-reply" in types:
            return [action["title"] for action in types["twilio/quick-reply"]["actions"]]
        return [item["item"] for item in types["twilio/list-picker"]["items"]]


@pytest.fixture
def fake() -> FakeContentApi:
    return FakeContentApi()


@pytest.fixture
def api(settings: Settings, fake: FakeContentApi) -> Iterator[TwilioContent]:
    client = TwilioContent(twilio_settings(settings), transport=fake.transport())
    yield client
    client.close()


def recorded_sid(session: Session, choice: Choice) -> str | None:
    session.expire_all()
    row = session.get(WhatsAppChoice, choice.key)
    return None if row is None else row.content_sid


# --- sync against a fake that keeps what is created -----------------------------------


@pytest.mark.parametrize("fake", [FakeContentApi(page_size=50)])
def test_sync_creates_what_lessons_and_menus_need_then_nothing(db_session, settings, api, fake):
    retention = settings.app.message_retention_days
    needed = needed_choices(load_catalog(settings.lessons_path), ("es", "en"), retention)

    first = sync(db_session, api, needed, NOW)
    db_session.commit()
    second = sync(db_session, api, needed, NOW)

    assert (len(first.created), first.found, first.already_recorded) == (len(needed), [], 0)
    assert (second.created, second.found, second.already_recorded) == ([], [], len(needed))
    assert fake.creates == len(needed)
    # What learners will see: the consent buttons, the language list, the help menu's keywords.
    # Each the very message the actions send (bot.text.menus), text included.
    for language, yes_no in [("es", ["Sí", "No"]), ("en", ["Yes", "No"])]:
        consent = consent_menu(language, retention)
        asked = choice_of(list(consent.options), language, consent.text)
        assert fake.titles(asked.friendly_name) == yes_no
    languages = language_menu()
    listed = choice_of(list(languages.options), "en", languages.text)
    assert fake.titles(listed.friendly_name) == ["Español", "English", "Français", "Kreyòl"]
    help_words = [r for r in fake.resources if "SIGUIENTE" in json.dumps(r.get("types", {}))]
    assert len(help_words) == 2  # the help menu, and the same after "Welcome back!"
    assert [word for word, _ in menu_keywords("es")] == fake.titles(help_words[0]["friendly_name"])
    assert all(r["language"] in ("es", "en") for r in fake.resources)
    assert content.unsynced(db_session) == []
    assert len(content.known_sids(db_session)) == len(needed)


def test_the_request_to_twilio_holds_the_whole_message(db_session, settings, api, fake):
    sync(db_session, api, [choice_of(YES_NO, text="¿Estás de acuerdo?")], NOW)
    db_session.commit()

    (created,) = fake.resources
    assert created["language"] == "es"
    assert created["friendly_name"].startswith("lessonbot_es_quick_reply_")
    assert "variables" not in created  # a variable holds at most 255 characters: none used
    assert created["types"]["twilio/quick-reply"]["body"] == "¿Estás de acuerdo?"
    assert created["types"]["twilio/text"] == {"body": "¿Estás de acuerdo?"}


def test_a_choice_already_at_twilio_is_recorded_not_created(db_session, api, fake):
    choice = choice_of(YES_NO)
    sid = fake.add(choice.friendly_name)

    report = sync(db_session, api, [choice], NOW)
    db_session.commit()

    assert (report.created, report.found) == ([], [choice.friendly_name])
    assert fake.creates == 0
    assert recorded_sid(db_session, choice) == sid


def test_recorded_unsynced_choices_get_their_sids(db_session, api, fake):
    # A time zone menu: recorded by the sender the first time it was shown.
    places = choice_of(PLACES)
    assert content.record(db_session, places, NOW)
    db_session.commit()
    assert recorded_sid(db_session, places) is None

    report = sync(db_session, api, [], NOW)
    db_session.commit()

    assert report.created == [places.friendly_name]
    assert fake.titles(places.friendly_name) == PLACES
    assert recorded_sid(db_session, places) == fake.resources[0]["sid"]
    assert content.unsynced(db_session) == []


def test_a_recorded_sid_twilio_no_longer_has_is_made_again(db_session, api, fake):
    choice = choice_of(YES_NO)
    content.record_synced(db_session, choice, "HX" + "0" * 32, NOW)
    db_session.commit()

    report = sync(db_session, api, [choice], NOW)
    db_session.commit()

    assert report.created == [choice.friendly_name]
    assert recorded_sid(db_session, choice) == fake.resources[0]["sid"]


def test_the_list_follows_every_page_on_the_configured_host(api, fake):
    names = [f"other_{n}" for n in range(5)]
    for name in names:
        fake.add(name)

    listed = api.list_all()

    assert [resource.friendly_name for resource in listed] == names
    assert len(fake.requests) == 3  # two a page
    assert all(request.startswith(f"GET {CONTENT_URL}/v1/Content?") for request in fake.requests)
    assert "PageSize=1000" in fake.requests[0]


@pytest.mark.parametrize(
    ("answer", "status", "retryable"),
    [
        ((400, {"code": 20001, "message": "Invalid types", "status": 400}, {}), 400, False),
        ((429, {"code": 20429, "message": "Too Many Requests", "status": 429}, {}), 429, True),
        ((503, "Service Unavailable", {}), 503, True),
    ],
)
def test_a_refusal_names_the_status_and_twilios_message(settings, answer, status, retryable):
    fake = FakeContentApi(failure=answer)
    api = TwilioContent(twilio_settings(settings), transport=fake.transport())

    with closing(api), pytest.raises(ContentApiError) as raised:
        api.create("lessonbot_es_x", "es", {"1": "x"}, choice_of(YES_NO).content_types())

    assert (raised.value.status, raised.value.retryable) == (status, retryable)
    assert f"HTTP {status}" in str(raised.value)
    if isinstance(answer[1], dict):
        assert answer[1]["message"] in str(raised.value)
        assert f"(code {answer[1]['code']})" in str(raised.value)


# --- Twilio's own description of the Content API (Prism) ------------------------------


@pytest.fixture(scope="module")
def content_prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with prism_server(CONTENT_OAI, tmp_path_factory) as url:
        yield url


@pytest.mark.parametrize(
    "choice",
    [choice_of(YES_NO), choice_of(PLACES), choice_of(["Llamo a la oficina del banco"] * 2)],
    ids=["quick-reply", "list-picker", "quick-reply-titled-by-number"],
)
def test_create_validates_against_twilios_content_openapi(settings, content_prism, choice):
    with closing(TwilioContent(twilio_settings(settings, content_prism))) as api:
        created = api.create(
            choice.friendly_name, choice.language, {"1": "x"}, choice.content_types()
        )

    assert created.sid.startswith("HX")


def test_the_list_validates_against_twilios_content_openapi(settings, content_prism):
    with closing(TwilioContent(twilio_settings(settings, content_prism))) as api:
        listed = api.list_all()

    assert all(resource.sid.startswith("HX") for resource in listed)


def test_prism_does_refuse_a_create_that_breaks_the_spec(settings, content_prism):
    """The checks above mean something: a quick reply without its buttons gets Prism's 422."""
    api = TwilioContent(twilio_settings(settings, content_prism))

    with closing(api), pytest.raises(ContentApiError) as raised:
        api.create("broken", "es", {"1": "x"}, {"twilio/quick-reply": {"body": "{{1}}"}})

    assert raised.value.status == 422
    assert "HTTP 422" in str(raised.value)


def test_prism_does_refuse_a_list_that_breaks_the_spec(settings, content_prism, monkeypatch):
    monkeypatch.setattr("bot.messaging.channels.twilio_content.PAGE_SIZE", 1001)
    api = TwilioContent(twilio_settings(settings, content_prism))

    with closing(api), pytest.raises(ContentApiError) as raised:
        api.list_all()

    assert raised.value.status == 422


# --- then the sender sends the Content (Prism, Messages API) ---------------------------


@pytest.fixture(scope="module")
def messages_prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with prism_server(MESSAGES_OAI, tmp_path_factory) as url:
        yield url


def recording_channel(settings: Settings, forms: list[dict[str, str]]) -> TwilioChannel:
    """The Twilio channel, keeping the form of each Messages call it makes."""

    def keep(request: httpx.Request) -> None:
        forms.append({key: values[0] for key, values in parse_qs(request.content.decode()).items()})

    client = httpx.Client(
        auth=httpx.BasicAuth(ACCOUNT_SID, AUTH_TOKEN), event_hooks={"request": [keep]}
    )
    return TwilioChannel(settings, client)


@pytest.mark.parametrize("options", [YES_NO, PLACES], ids=["quick-reply", "list-picker"])
def test_once_synced_a_choice_goes_as_content_that_twilio_accepts(
    db_session, settings, sessions, fake, messages_prism, options
):
    settings = twilio_settings(settings, **{"twilio.api_base_url": messages_prism})
    clock = FakeTime()
    pacer = Pacer(settings.sender.rate_per_second, clock.monotonic, clock.sleep)
    learner = add_learner(db_session, settings, channel="whatsapp")
    # The first message with these options: numbered text, and the choice recorded.
    # (Prism answers every message with the same sid: one message through it only.)
    first = FakeChannel()
    add_outbox(db_session, learner, "¿Dónde vives?", options=options)
    run_sends_once(sessions, first, settings, pacer, NOW)
    with closing(TwilioContent(settings, transport=fake.transport())) as api:
        sync(db_session, api, [], NOW)
    db_session.commit()
    row = add_outbox(db_session, learner, "¿Dónde vives?", options=options)
    forms: list[dict[str, str]] = []

    with closing(recording_channel(settings, forms)) as channel:
        run_sends_once(sessions, channel, settings, pacer, NOW)

    ((_, before),) = first.sent
    assert before.content_sid is None and (before.body or "").startswith("¿Dónde vives?\n\n1. ")
    (resource,) = fake.resources
    assert fake.titles(resource["friendly_name"]) == options
    (after,) = forms
    assert after["ContentSid"] == resource["sid"]
    assert "ContentVariables" not in after and "Body" not in after  # the resource is the message
    db_session.expire_all()
    sent = db_session.get(OutboxMessage, row.id)
    assert sent is not None
    # Prism answers 422 to a Messages call that breaks Twilio's spec; it took this one.
    assert sent.status == "queued" and (sent.provider_sid or "").startswith("SM")


# --- the command ------------------------------------------------------------------------


def run_sync(monkeypatch: pytest.MonkeyPatch, settings: Settings, *args: str) -> Any:
    monkeypatch.setenv("LESSONBOT_DATABASE_URL", settings.app.database_url)
    return CliRunner().invoke(main, ["whatsapp", "sync", *args])


def with_twilio(monkeypatch: pytest.MonkeyPatch, settings: Settings, content_url: str) -> None:
    """The environment of a deployment with Twilio (which then needs every secret)."""
    for name, value in {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "LESSONBOT_TWILIO_CONTENT_BASE_URL": content_url,
        "LESSONBOT_PHONE_HASH_KEY": settings.secrets.phone_hash_key,
        "LESSONBOT_PHONE_ENCRYPTION_KEY": settings.secrets.phone_encryption_key,
        "LESSONBOT_RASA_TOKEN": settings.rasa.token,
        "LESSONBOT_SECRET_KEY": "test-secret-key",
    }.items():
        monkeypatch.setenv(name, value)


def test_the_command_refuses_without_twilio(settings, monkeypatch):
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)

    result = run_sync(monkeypatch, settings)

    assert result.exit_code == 1
    assert "Twilio is not configured" in result.output
    assert "created" not in result.output


def test_the_command_says_what_it_created_and_found(settings, monkeypatch, db_session):
    fake = FakeContentApi(page_size=50)
    consent = consent_menu("es", settings.app.message_retention_days)
    fake.add(choice_of(list(consent.options), "es", consent.text).friendly_name)
    fake.add("someone_elses_template")
    with StandInServer(fake.stand_in) as server:
        with_twilio(monkeypatch, settings, server.url)
        first = run_sync(monkeypatch, settings, "--verbose")
        second = run_sync(monkeypatch, settings)

    assert first.exit_code == 0, first.output
    created = fake.creates
    assert created > 50  # lessons and menus in four languages
    lines = first.output.splitlines()
    assert lines[-1] == f"created {created}, already at Twilio 1, already recorded 0"
    assert len([line for line in lines if line.startswith("created lessonbot_")]) == created
    assert second.output == f"created 0, already at Twilio 0, already recorded {created + 1}\n"
    assert fake.creates == created
    recorded = db_session.scalars(select(WhatsAppChoice.content_sid)).all()
    assert sorted(recorded) == sorted(r["sid"] for r in fake.resources[:1] + fake.resources[2:])


def test_the_command_keeps_what_it_did_and_says_why_it_stopped(settings, monkeypatch, db_session):
    failure = (500, {"code": 20500, "message": "Internal Server Error", "status": 500}, {})
    fake = FakeContentApi(page_size=50, failure=failure, fail_after=3)
    with StandInServer(fake.stand_in) as server:
        with_twilio(monkeypatch, settings, server.url)
        stopped = run_sync(monkeypatch, settings)
        kept = set(content.known_sids(db_session).values())
        fake.failure = None
        again = run_sync(monkeypatch, settings)

    assert stopped.exit_code == 1
    assert "HTTP 500 (code 20500): Internal Server Error" in stopped.output
    assert "run it again" in stopped.output
    assert kept == {resource["sid"] for resource in fake.resources[:3]}
    assert again.exit_code == 0, again.output
    assert again.output.endswith(", already at Twilio 0, already recorded 3\n")
    assert len({r["friendly_name"] for r in fake.resources}) == len(fake.resources)
