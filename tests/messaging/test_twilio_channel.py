"""The Twilio channel against Twilio's network edge.

A loopback stand-in answers like Twilio's Messages API (201 with sid and
status, 429, 500, 400 with Twilio's error JSON, or no answer in time), so the
request we build and the way we read answers are tested without Twilio. One
more test sends through Prism, serving Twilio's own OpenAPI description, which
answers 422 to any request that breaks the spec.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from bot.messaging.channels import ChannelError, OutgoingMessage, SendResult, make_channel
from bot.messaging.channels.local import LocalChannel
from bot.messaging.channels.twilio import InvalidCallback, TwilioChannel, read_status_callback
from bot.settings import Settings, SettingsError
from bot.vocab import FailureReason, OutboxStatus
from tests.conftest import make_test_settings
from tests.fakes import Answer, Recorded, StandInServer, closed_port_url
from tests.prism import MESSAGES_OAI, prism_server

ACCOUNT_SID = "AC" + "a1" * 16
SERVICE_SID = "MG" + "b2" * 16
TEMPLATE_SID = "HX" + "c3" * 16
NUMBER = "+50761234567"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Test settings without a database: the channel never touches one."""
    return make_test_settings(tmp_path)


def twilio_settings(settings: Settings, base_url: str) -> Settings:
    return settings.with_overrides(
        {
            "twilio.account_sid": ACCOUNT_SID,
            "twilio.auth_token": "secret-token",
            "twilio.messaging_service_sid": SERVICE_SID,
            "twilio.api_base_url": base_url,
        },
    )


def created(request: Recorded) -> Answer:
    return 201, {"sid": "SM" + "d4" * 16, "status": "accepted", "to": request.form()["To"]}, {}


def send(
    settings: Settings, message: OutgoingMessage, client: httpx.Client | None = None
) -> SendResult:
    with closing(TwilioChannel(settings, client)) as channel:
        return channel.send(message)


def sms(body: str = "Hola") -> OutgoingMessage:
    return OutgoingMessage(to=NUMBER, channel="sms", body=body, reference="SM1:0")


def test_an_sms_is_posted_as_twilio_expects(settings):
    with StandInServer(created) as twilio:
        result = send(twilio_settings(settings, twilio.url), sms("Hola, ¿cómo estás?"))

    assert result == SendResult(provider_sid="SM" + "d4" * 16, status="queued")
    (request,) = twilio.requests
    assert (request.method, request.path) == (
        "POST",
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
    )
    assert (
        request.headers["Authorization"]
        == "Basic " + base64.b64encode(f"{ACCOUNT_SID}:secret-token".encode()).decode()
    )
    assert request.form() == {
        "To": NUMBER,
        "MessagingServiceSid": SERVICE_SID,
        "Body": "Hola, ¿cómo estás?",
        "StatusCallback": "https://lessonbot.example.org/twilio/status?ref=SM1%3A0",
    }


def test_whatsapp_template_goes_as_content_sid_and_variables(settings):
    message = OutgoingMessage(
        to=NUMBER, channel="whatsapp", content_sid=TEMPLATE_SID, content_variables={"1": "Ana"}
    )
    with StandInServer(created) as twilio:
        send(twilio_settings(settings, twilio.url), message)

    form = twilio.requests[0].form()
    assert form["To"] == f"whatsapp:{NUMBER}"
    assert (form["ContentSid"], form["ContentVariables"]) == (TEMPLATE_SID, '{"1": "Ana"}')
    assert "Body" not in form


@pytest.mark.parametrize(
    ("answer", "code", "reason", "retryable", "retry_after"),
    [
        (
            (
                429,
                {"code": 20429, "message": "Too Many Requests", "status": 429},
                {"Retry-After": "3"},
            ),
            20429,
            FailureReason.RATE_LIMITED,
            True,
            3.0,
        ),
        (
            (500, {"code": 20500, "message": "Internal Server Error", "status": 500}, {}),
            20500,
            FailureReason.PROVIDER_ERROR,
            True,
            None,
        ),
        ((503, "Service Unavailable", {}), None, FailureReason.PROVIDER_ERROR, True, None),
        (
            (
                400,
                {
                    "code": 21610,
                    "message": "Attempt to send to unsubscribed recipient",
                    "status": 400,
                },
                {},
            ),
            21610,
            FailureReason.OPTED_OUT,
            False,
            None,
        ),
        (
            (
                400,
                {
                    "code": 21211,
                    "message": f"The 'To' number {NUMBER} is not a valid phone number.",
                    "status": 400,
                },
                {},
            ),
            21211,
            FailureReason.INVALID_NUMBER,
            False,
            None,
        ),
        (
            (400, {"code": 63016, "message": "outside the allowed window", "status": 400}, {}),
            63016,
            FailureReason.WINDOW_CLOSED,
            False,
            None,
        ),
        ((400, {"code": 21601, "message": "Body too long", "status": 400}, {}), 21601,
         FailureReason.REFUSED, False, None),
    ],
    ids=["429", "500", "503-not-json", "21610", "21211", "63016", "other-4xx"],
)  # fmt: skip
def test_errors_say_why_and_whether_to_retry(
    settings, caplog, answer, code, reason, retryable, retry_after
):
    caplog.set_level(logging.DEBUG)
    with StandInServer(lambda request: answer) as twilio, pytest.raises(ChannelError) as raised:
        send(twilio_settings(settings, twilio.url), sms())

    error = raised.value
    assert (error.code, error.retryable, error.retry_after) == (code, retryable, retry_after)
    assert error.maybe_taken == (answer[0] >= 500)  # looked up before it is sent again
    assert error.reason == reason
    assert "61234567" not in error.message  # a number quoted back by Twilio is redacted
    assert "61234567" not in caplog.text


@pytest.mark.parametrize(
    ("header", "retry_after"),
    [("inf", None), ("nan", None), ("-5", None), ("soon", None), ("1e12", 1e12), ("2", 2.0)],
)
def test_a_retry_after_is_kept_only_when_a_finite_non_negative_number(
    settings, header, retry_after
):
    answer = (429, {"code": 20429, "message": "Too Many Requests"}, {"Retry-After": header})
    with StandInServer(lambda request: answer) as twilio, pytest.raises(ChannelError) as raised:
        send(twilio_settings(settings, twilio.url), sms())

    assert raised.value.retryable and raised.value.retry_after == retry_after


def test_a_timeout_is_retryable(settings):
    def slow(request: Recorded) -> Answer:
        time.sleep(0.5)
        return created(request)

    with StandInServer(slow) as twilio:
        configured = twilio_settings(settings, twilio.url)
        client = httpx.Client(auth=(ACCOUNT_SID, "secret-token"), timeout=0.1)
        with pytest.raises(ChannelError) as raised:
            send(configured, sms(), client)

    assert raised.value.retryable and "timeout" in raised.value.message
    assert raised.value.maybe_taken  # Twilio may have taken it before the answer was late


def test_a_refused_connection_is_retryable(settings):
    with pytest.raises(ChannelError) as raised:
        send(twilio_settings(settings, closed_port_url()), sms())
    assert raised.value.retryable
    assert not raised.value.maybe_taken  # nothing left: sent again without a lookup


def test_numbers_never_reach_the_logs(settings, caplog):
    caplog.set_level(logging.DEBUG)
    with StandInServer(created) as twilio:
        send(twilio_settings(settings, twilio.url), sms())
    assert "+507…67" in caplog.text
    assert "61234567" not in caplog.text


def test_the_channel_is_chosen_by_configuration(settings):
    assert isinstance(make_channel(settings), LocalChannel)
    with closing(make_channel(twilio_settings(settings, "http://127.0.0.1:9"))) as channel:
        assert isinstance(channel, TwilioChannel)
    with pytest.raises(SettingsError):
        make_channel(
            twilio_settings(settings, "").with_overrides({"twilio.messaging_service_sid": ""})
        )


@pytest.fixture(scope="module")
def prism(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Prism mocking Twilio's Messages API from its OpenAPI file; its base URL."""
    with prism_server(MESSAGES_OAI, tmp_path_factory) as url:
        yield url


@pytest.mark.parametrize(
    "message",
    [
        sms("Lección 1: separa el dinero del negocio y el de la casa."),
        OutgoingMessage(to=NUMBER, channel="whatsapp", body="*Lección 1*\n\n1. Sí\n2. No"),
        OutgoingMessage(
            to=NUMBER, channel="whatsapp", content_sid=TEMPLATE_SID, content_variables={"1": "Ana"}
        ),
    ],
    ids=["sms", "whatsapp", "whatsapp-template"],
)
def test_outbound_requests_validate_against_twilios_openapi(settings, prism, message):
    result = send(
        twilio_settings(settings, prism), message
    )  # Prism answers 422 to a request that breaks the spec

    assert result.provider_sid.startswith("SM")
    assert result.status == "queued"


def test_prism_does_refuse_a_request_that_breaks_the_spec(settings, prism):
    """The check above means something: a malformed service SID gets Prism's 422."""
    broken = twilio_settings(settings, prism).with_overrides(
        {"twilio.messaging_service_sid": "MG-not-a-sid"}
    )

    with pytest.raises(ChannelError) as raised:
        send(broken, sms())

    assert not raised.value.retryable
    assert raised.value.message == "HTTP 422 Unprocessable Entity"


# case, Twilio's MessageStatus and ErrorCode, the status and reason the app keeps
CALLBACKS = [
    ("accepted, a step before sent", {"MessageStatus": "accepted"}, OutboxStatus.QUEUED, None),
    ("sending", {"MessageStatus": "sending"}, OutboxStatus.QUEUED, None),
    ("sent", {"MessageStatus": "sent"}, OutboxStatus.SENT, None),
    ("delivered", {"MessageStatus": "delivered"}, OutboxStatus.DELIVERED, None),
    ("WhatsApp read", {"MessageStatus": "read"}, OutboxStatus.READ, None),
    ("undelivered, replied STOP", {"MessageStatus": "undelivered", "ErrorCode": "21610"},
     OutboxStatus.UNDELIVERED, FailureReason.OPTED_OUT),
    ("failed, WhatsApp window closed", {"MessageStatus": "failed", "ErrorCode": "63016"},
     OutboxStatus.FAILED, FailureReason.WINDOW_CLOSED),
    ("undelivered, unreachable", {"MessageStatus": "undelivered", "ErrorCode": "30003"},
     OutboxStatus.UNDELIVERED, FailureReason.UNREACHABLE),
    ("failed, another code", {"MessageStatus": "failed", "ErrorCode": "12300"},
     OutboxStatus.FAILED, FailureReason.PROVIDER_ERROR),
    ("a status Twilio may add one day", {"MessageStatus": "teleported"}, None, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "status", "reason"), [c[1:] for c in CALLBACKS], ids=[c[0] for c in CALLBACKS]
)
def test_status_callbacks_are_read_in_the_apps_words(fields, status, reason):
    report = read_status_callback({"MessageSid": "SM" + "1" * 32, **fields})
    assert (report.status, report.reason) == (status, reason)
    assert report.code == (int(fields["ErrorCode"]) if "ErrorCode" in fields else None)


@pytest.mark.parametrize("missing", ["MessageSid", "MessageStatus"])
def test_a_callback_without_its_fields_is_refused_naming_the_field(missing):
    fields = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "sent"}
    del fields[missing]
    with pytest.raises(InvalidCallback) as refused:
        read_status_callback(fields)
    assert refused.value.field == missing


MESSAGE_SID = "SM" + "e5" * 16


def delete(settings: Settings, sid: str = MESSAGE_SID) -> None:
    with closing(TwilioChannel(settings)) as channel:
        channel.delete_message(sid)


def test_deleting_a_message_is_a_delete_of_its_resource(settings):
    with StandInServer(lambda request: (204, None, {})) as twilio:
        delete(twilio_settings(settings, twilio.url))

    (request,) = twilio.requests
    assert (request.method, request.path) == (
        "DELETE",
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{MESSAGE_SID}.json",
    )
    assert request.headers["Authorization"].startswith("Basic ")


def test_a_message_twilio_no_longer_has_is_deleted_already(settings):
    gone = {"code": 20404, "message": "The requested resource was not found", "status": 404}
    with StandInServer(lambda request: (404, gone, {})) as twilio:
        delete(twilio_settings(settings, twilio.url))  # no error: the erasure step is done


@pytest.mark.parametrize(
    ("status", "payload"),
    [
        (500, {"code": 20500, "message": "Internal Server Error", "status": 500}),
        (429, {"code": 20429, "message": "Too Many Requests", "status": 429}),
        # Any other refusal (a message still on its way, say) is retried too:
        # an erasure step is never given up.
        (400, {"message": "Bad Request", "status": 400}),
    ],
)
def test_a_message_twilio_did_not_delete_is_an_error_worth_retrying(settings, status, payload):
    with (
        StandInServer(lambda request: (status, payload, {})) as twilio,
        pytest.raises(ChannelError) as raised,
    ):
        delete(twilio_settings(settings, twilio.url))

    assert raised.value.retryable
    assert raised.value.code == payload.get("code")


def test_an_id_that_is_not_a_twilio_message_is_not_sent_to_twilio(settings):
    with StandInServer(lambda request: (500, {}, {})) as twilio:
        delete(twilio_settings(settings, twilio.url), "LOCAL" + "0" * 28)

    assert twilio.requests == []


def test_deleting_a_message_validates_against_twilios_openapi(settings, prism):
    # Prism answers 422 to a request that breaks the spec, 204 to one that keeps it.
    delete(twilio_settings(settings, prism))


def test_prism_does_refuse_a_delete_that_breaks_the_spec(settings, prism):
    """The check above means something: a malformed account SID gets Prism's 422."""
    broken = twilio_settings(settings, prism).with_overrides({"twilio.account_sid": "AC-bad"})

    with pytest.raises(ChannelError) as raised:
        delete(broken)

    assert raised.value.message == "HTTP 422 Unprocessable Entity"


HANDED_AT = datetime(2026, 12, 5, 10, 0, 0)


def resource(sid: str, minutes: float, **fields: object) -> dict[str, object]:
    """A Message resource as Twilio lists it, created ``minutes`` after the hand-off."""
    created = (HANDED_AT + timedelta(minutes=minutes)).replace(tzinfo=UTC)
    return {
        "sid": sid,
        "to": NUMBER,
        "body": "Lección 1",
        "messaging_service_sid": SERVICE_SID,
        "direction": "outbound-api",
        "status": "delivered",
        "date_created": format_datetime(created, usegmt=True),
        "date_sent": None,
    } | fields


def find(settings: Settings, message: OutgoingMessage) -> SendResult | None:
    with closing(TwilioChannel(settings)) as channel:
        return channel.find_taken(message, HANDED_AT)


def test_a_message_taken_before_is_found_by_number_text_service_and_time(settings):
    ours = "SM" + "0f" * 16
    listed = [  # newest first, as Twilio lists them
        resource("SM" + "01" * 16, 3, body="Lección 2"),  # another text
        resource("SM" + "02" * 16, 2, messaging_service_sid="MG" + "99" * 16),  # not our service
        resource("SM" + "03" * 16, 2, direction="inbound"),  # the learner's own message
        resource(ours, 0.5, status="sent"),
        resource("SM" + "04" * 16, -30),  # the same text, half an hour before the hand-off
    ]
    with StandInServer(lambda request: (200, {"messages": listed}, {})) as twilio:
        found = find(twilio_settings(settings, twilio.url), sms("Lección 1"))

    assert found == SendResult(provider_sid=ours, status=OutboxStatus.SENT)
    (request,) = twilio.requests
    assert (request.method, request.path) == (
        "GET",
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
    )
    assert request.query == {"To": [NUMBER], "PageSize": ["100"]}


def test_whatsapp_buttons_are_found_by_their_text_not_any_message_of_ours(settings):
    """A Content message that holds its own text: the lesson sent just before is not it."""
    ours = "SM" + "0e" * 16
    question = OutgoingMessage(
        to=NUMBER,
        channel="whatsapp",
        content_sid="HX" + "ab" * 16,
        content_text="¿Qué haces?\n\n1. Llamo\n2. Pago",
        reference="SM1:1",
    )
    lesson = [resource("SM" + "01" * 16, 0.5, to=f"whatsapp:{NUMBER}", body="Lección 1")]
    both = [resource(ours, 0.6, to=f"whatsapp:{NUMBER}", body=question.content_text), *lesson]
    found = {}
    for name, listed in [("lesson only", lesson), ("both", both)]:
        with StandInServer(lambda request, listed=listed: (200, {"messages": listed}, {})) as api:
            found[name] = find(twilio_settings(settings, api.url), question)

    assert found == {
        "lesson only": None,
        "both": SendResult(provider_sid=ours, status=OutboxStatus.DELIVERED),
    }


def test_a_message_not_taken_is_not_found_even_with_its_text_sent_before(settings):
    listed = [resource("SM" + "04" * 16, -30), resource("SM" + "05" * 16, -60 * 24)]
    page = {"messages": listed, "next_page_uri": "/2010-04-01/next"}
    with StandInServer(lambda request: (200, page, {})) as twilio:
        assert find(twilio_settings(settings, twilio.url), sms("Lección 1")) is None

    assert len(twilio.requests) == 1  # older than the hand-off: no need for the next page


def test_the_lookup_follows_the_next_page_while_it_is_not_past_the_hand_off(settings):
    ours = "SM" + "0f" * 16
    pages = {
        "/2010-04-01/next": {"messages": [resource(ours, 1)], "next_page_uri": None},
    }

    def answer(request: Recorded) -> Answer:
        if request.path in pages:
            return 200, pages[request.path], {}
        return 200, {"messages": [resource("SM" + "01" * 16, 5, body="x")],
                     "next_page_uri": "/2010-04-01/next"}, {}  # fmt: skip

    with StandInServer(answer) as twilio:
        found = find(twilio_settings(settings, twilio.url), sms("Lección 1"))

    assert found is not None and found.provider_sid == ours
    assert [request.path for request in twilio.requests][1] == "/2010-04-01/next"


@pytest.mark.parametrize(
    "answer",
    [
        (503, {"code": 20500, "message": "Internal Server Error", "status": 503}, {}),
        (429, {"code": 20429, "message": "Too Many Requests", "status": 429}, {}),
        (401, {"code": 20003, "message": "Authenticate", "status": 401}, {}),
    ],
    ids=["5xx", "rate limited", "refused"],
)
def test_a_lookup_that_fails_says_so_retryably(settings, answer):
    with StandInServer(lambda request: answer) as twilio, pytest.raises(ChannelError) as raised:
        find(twilio_settings(settings, twilio.url), sms("Lección 1"))

    assert raised.value.retryable
    assert raised.value.message.startswith("lookup: ")


def test_a_lookup_that_cannot_reach_twilio_says_so_retryably(settings):
    with pytest.raises(ChannelError) as raised:
        find(twilio_settings(settings, closed_port_url()), sms("Lección 1"))

    assert raised.value.retryable


def test_the_lookup_validates_against_twilios_openapi(settings, prism):
    # Prism answers 422 (a ChannelError here) to a list request that breaks the spec.
    found = find(twilio_settings(settings, prism), sms("Lección 1"))

    assert found is None or found.provider_sid.startswith("SM")


def test_prism_does_refuse_a_list_request_that_breaks_the_spec(settings, prism, monkeypatch):
    """The check above means something: a page size below Twilio's minimum gets Prism's 422."""
    monkeypatch.setattr("bot.messaging.channels.twilio.FIND_PAGE_SIZE", 0)

    with pytest.raises(ChannelError) as raised:
        find(twilio_settings(settings, prism), sms("Lección 1"))

    assert raised.value.message == "lookup: HTTP 422 Unprocessable Entity"
