"""Both Twilio webhooks, signed, with arbitrary field values: 200/204 or a 400, never 500."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from tests.fuzz.conftest import FUZZ, FuzzApp

pytestmark = pytest.mark.fuzz

HUGE = st.integers(min_value=-(10**40), max_value=10**40)
# Text of any kind: unicode, control characters, NUL, right-to-left marks.
ANY_TEXT = st.text(max_size=300)
SIDS = st.one_of(st.from_regex(r"(SM|MM)[0-9a-f]{32}", fullmatch=True), st.text(max_size=100))
NUMBERS = st.one_of(
    st.from_regex(r"\+507[0-9]{8}", fullmatch=True),
    st.from_regex(r"\+[0-9]{1,20}", fullmatch=True),
    HUGE.map(str),
    ANY_TEXT,
)
COUNTS = st.one_of(st.integers(0, 12).map(str), HUGE.map(str), ANY_TEXT)
EXTRA_FIELDS = st.dictionaries(st.text(min_size=1, max_size=20), ANY_TEXT, max_size=3)


def signed_post(fuzz_app: FuzzApp, path: str, form: dict[str, str]):  # type: ignore[no-untyped-def]
    settings = fuzz_app.settings
    url = settings.app.public_url.rstrip("/") + path
    signature = RequestValidator(settings.twilio.auth_token).compute_signature(url, form)
    client = fuzz_app.app.test_client()
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature})


TAP_IDS = st.builds(
    "c:{}:{}".format,
    st.text("0123456789abcdef", min_size=15, max_size=17),
    st.integers(-1, 120),
)


@st.composite
def inbound_forms(draw: st.DrawFn) -> dict[str, str]:
    form = draw(EXTRA_FIELDS)
    sid = draw(SIDS)
    form |= {
        "MessageSid": sid,
        "From": draw(st.sampled_from(["", "whatsapp:", "WhatsApp:", "sms:"])) + draw(NUMBERS),
        "Body": draw(st.one_of(ANY_TEXT, st.text(max_size=3000))),
        "NumMedia": draw(COUNTS),
    }
    optional = {
        "SmsMessageSid": st.one_of(st.just(sid), SIDS),
        "ProfileName": ANY_TEXT,
        "To": NUMBERS,
        "NumSegments": COUNTS,
        "MediaUrl0": ANY_TEXT,
        # A WhatsApp tap: ours ("c:<key>:<n>"), near misses and anything.
        "ButtonPayload": st.one_of(TAP_IDS, ANY_TEXT, st.text(max_size=400)),
        "ListId": st.one_of(TAP_IDS, ANY_TEXT),
        "ButtonText": ANY_TEXT,
        "OriginalRepliedMessageSid": st.one_of(SIDS, ANY_TEXT),
    }
    for name, values in optional.items():
        if draw(st.booleans()):
            form[name] = draw(values)
    return form


@FUZZ
@given(form=inbound_forms())
def test_inbound_webhook(fuzz_app: FuzzApp, form: dict[str, str]) -> None:
    response = signed_post(fuzz_app, "/twilio/inbound", form)

    fuzz_app.check("POST /twilio/inbound", response)
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 400:
        assert response.get_data(as_text=True).startswith("invalid field ")


STATUSES = st.sampled_from(
    ["queued", "sending", "sent", "delivered", "read", "failed", "undelivered", "accepted"]
)


@FUZZ
@given(data=st.data())
def test_status_callback(fuzz_app: FuzzApp, data: st.DataObject) -> None:
    known_sids = st.sampled_from(fuzz_app.provider_sids)
    form = data.draw(EXTRA_FIELDS) | {
        "MessageSid": data.draw(st.one_of(known_sids, SIDS)),
        "MessageStatus": data.draw(st.one_of(STATUSES, ANY_TEXT)),
    }
    if data.draw(st.booleans()):
        form["ErrorCode"] = data.draw(st.one_of(st.integers(0, 99999).map(str), COUNTS))
    path = "/twilio/status"
    if data.draw(st.booleans()):
        reference = data.draw(st.one_of(st.sampled_from(fuzz_app.references), ANY_TEXT))
        path += "?" + urlencode({"ref": reference})

    response = signed_post(fuzz_app, path, form)

    fuzz_app.check("POST /twilio/status", response)
    assert response.status_code in (204, 400), response.status_code
