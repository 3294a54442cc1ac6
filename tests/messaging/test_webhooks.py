"""The inbound webhook: signatures, parsing, storage, and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.models import InboundMessage, Learner, OutboxMessage
from bot.phones import decrypt_phone, phone_hash
from tests.builders import add_learner, add_outbox, inbound_form, sign, signed_post

EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'


def count(db_session, model) -> int:  # type: ignore[no-untyped-def]
    return db_session.scalar(select(func.count()).select_from(model))


def test_signed_sms_is_stored_and_answered_with_empty_twiml(client, settings, db_session):
    form = inbound_form("Hola quiero aprender", number="+50761234567")
    response = signed_post(client, settings, "/twilio/inbound", form)

    assert response.status_code == 200
    assert response.data == EMPTY_TWIML
    assert response.mimetype == "text/xml"
    stored = db_session.scalars(select(InboundMessage)).one()
    assert stored.message_sid == form["MessageSid"]
    assert stored.body == "Hola quiero aprender"
    assert stored.channel == "sms"
    assert stored.status == "pending"
    learner = db_session.get(Learner, stored.learner_id)
    assert learner.phone_hash == phone_hash("+50761234567", settings.secrets.phone_hash_key)
    assert (
        decrypt_phone(learner.phone_encrypted, settings.secrets.phone_encryption_key)
        == "+50761234567"
    )


def test_whatsapp_sender_and_profile_name_are_parsed(client, settings, db_session):
    form = inbound_form("hi", number="+50769998877", channel="whatsapp", ProfileName="Ana")
    assert signed_post(client, settings, "/twilio/inbound", form).status_code == 200

    learner = db_session.scalars(select(Learner)).one()
    assert learner.channel == "whatsapp"
    assert learner.profile_name == "Ana"
    assert (
        decrypt_phone(learner.phone_encrypted, settings.secrets.phone_encryption_key)
        == "+50769998877"
    )


def test_phone_number_is_nowhere_in_clear_in_the_database_file(client, settings):
    signed_post(client, settings, "/twilio/inbound", inbound_form("hola", number="+50761112233"))

    database_file = Path(settings.app.database_url.removeprefix("sqlite:///"))
    raw = b"".join(p.read_bytes() for p in database_file.parent.glob(database_file.name + "*"))
    assert b"61112233" not in raw


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda headers, form: headers.pop("X-Twilio-Signature"), id="unsigned"),
        pytest.param(
            lambda headers, form: headers.update({"X-Twilio-Signature": "Zm9yZ2Vk"}), id="forged"
        ),
        pytest.param(
            lambda headers, form: form.update({"Body": "changed after signing"}), id="body-changed"
        ),
    ],
)
def test_bad_signature_is_refused_and_nothing_is_stored(client, settings, db_session, tamper):
    form = inbound_form("hola")
    headers = {"X-Twilio-Signature": sign(settings, "/twilio/inbound", form)}
    tamper(headers, form)

    response = client.post("/twilio/inbound", data=form, headers=headers)

    assert response.status_code == 403
    assert count(db_session, InboundMessage) == 0
    assert count(db_session, Learner) == 0


@pytest.mark.parametrize(
    "signer",
    [
        pytest.param({"app.public_url": "https://attacker.example.com"}, id="another-url"),
        pytest.param({"twilio.auth_token": "not-our-token"}, id="another-auth-token"),
    ],
)
def test_signature_made_with_other_values_is_refused(client, settings, db_session, signer):
    form = inbound_form("hola")
    other = settings.with_overrides(signer)
    response = client.post(
        "/twilio/inbound",
        data=form,
        headers={"X-Twilio-Signature": sign(other, "/twilio/inbound", form)},
    )
    assert response.status_code == 403
    assert count(db_session, InboundMessage) == 0


def test_same_message_sid_three_times_is_stored_once(client, settings, db_session):
    form = inbound_form("hola")
    for _ in range(3):
        response = signed_post(client, settings, "/twilio/inbound", form)
        assert response.status_code == 200
        assert response.data == EMPTY_TWIML
    assert count(db_session, InboundMessage) == 1
    assert count(db_session, Learner) == 1


def test_a_repeated_delivery_leaves_the_learner_as_it_was(client, settings, db_session):
    # Twilio retries a delivery it got no answer for; the retry is not a new
    # message, so it must not move the learner's last message or WhatsApp name.
    first = inbound_form("hola", number="+50761230000", channel="whatsapp", ProfileName="Ana")
    signed_post(client, settings, "/twilio/inbound", first)
    learner = db_session.scalars(select(Learner)).one()
    learner.last_inbound_at = learned_at = learner.last_inbound_at.replace(year=2025)
    db_session.commit()

    retry = dict(first, ProfileName="Ana María")
    assert signed_post(client, settings, "/twilio/inbound", retry).status_code == 200

    db_session.expire_all()
    learner = db_session.scalars(select(Learner)).one()
    assert (learner.last_inbound_at, learner.profile_name) == (learned_at, "Ana")
    assert count(db_session, InboundMessage) == 1


def test_two_messages_from_one_number_belong_to_one_learner(client, settings, db_session):
    signed_post(client, settings, "/twilio/inbound", inbound_form("hola"))
    signed_post(client, settings, "/twilio/inbound", inbound_form("siguiente"))
    assert count(db_session, InboundMessage) == 2
    assert count(db_session, Learner) == 1


@pytest.mark.parametrize(
    ("body", "extra"),
    [
        pytest.param("", {}, id="empty-body"),
        pytest.param("x" * 2000, {}, id="2000-characters"),
        pytest.param("🙂🙏🏽", {}, id="emoji-only"),
        pytest.param(
            "",
            {
                "NumMedia": "1",
                "MediaContentType0": "image/jpeg",
                "MediaUrl0": "https://api.twilio.com/media/ME1",
            },
            id="media-only",
        ),
        pytest.param("hola", {"To": "+15550001111"}, id="unknown-to"),
    ],
)
def test_odd_but_valid_messages_are_stored_whole(client, settings, db_session, body, extra):
    form = inbound_form(body, **extra)
    response = signed_post(client, settings, "/twilio/inbound", form)

    assert response.status_code == 200
    stored = db_session.scalars(select(InboundMessage)).one()
    assert stored.body == body
    assert stored.num_media == int(extra.get("NumMedia", "0"))
    assert stored.status == "pending"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        pytest.param({"MessageSid": "", "SmsMessageSid": ""}, "MessageSid", id="missing-sid"),
        pytest.param({"From": "not-a-number"}, "From", id="malformed-from"),
        pytest.param({"From": "whatsapp:+12"}, "From", id="short-whatsapp-from"),
        pytest.param({"NumMedia": "many"}, "NumMedia", id="bad-num-media"),
        # A signed NumMedia of 20 digits was a 500 (SQLite's INTEGER overflowed).
        pytest.param({"NumMedia": "9" * 20}, "NumMedia", id="20-digit-num-media"),
        pytest.param({"NumMedia": "101"}, "NumMedia", id="num-media-over-100"),
        pytest.param({"NumMedia": "-1"}, "NumMedia", id="negative-num-media"),
        pytest.param({"NumMedia": "²"}, "NumMedia", id="superscript-num-media"),
        pytest.param({"NumMedia": "1_0"}, "NumMedia", id="underscored-num-media"),
    ],
)
def test_malformed_form_is_a_400_naming_the_field(client, settings, db_session, change, field):
    form = inbound_form("hola")
    form.update(change)
    response = signed_post(client, settings, "/twilio/inbound", form)

    assert response.status_code == 400
    assert field in response.get_data(as_text=True)
    assert count(db_session, InboundMessage) == 0


def test_health_check_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_nul_characters_are_dropped_from_the_text(client, settings, db_session):
    # PostgreSQL refuses NUL in text: kept, the message would never be stored there.
    form = inbound_form("ho\x00la", ProfileName="A\x00na")
    assert signed_post(client, settings, "/twilio/inbound", form).status_code == 200
    assert db_session.scalars(select(InboundMessage)).one().body == "hola"


@pytest.mark.parametrize(
    ("change", "status"),
    [
        # A signed ErrorCode of 20 digits, or "²" (isdigit() but not int()), was a 500.
        pytest.param({"ErrorCode": "9" * 20}, 204, id="20-digit-error-code"),
        pytest.param({"ErrorCode": "²"}, 204, id="superscript-error-code"),
        pytest.param({"MessageSid": "SM" + "0" * 100}, 400, id="sid-over-64"),
        pytest.param({"MessageStatus": "x" * 100}, 400, id="status-over-32"),
    ],
)
def test_status_callback_fields_out_of_bounds(client, settings, db_session, change, status):
    row = add_outbox(db_session, add_learner(db_session, settings))
    row.provider_sid, row.status = "SM" + "1" * 32, "sent"
    db_session.commit()
    form = {"MessageSid": row.provider_sid, "MessageStatus": "failed", **change}

    response = signed_post(client, settings, "/twilio/status", form)

    assert response.status_code == status
    db_session.expire_all()
    if status == 400:
        assert next(iter(change)) in response.get_data(as_text=True)
        assert db_session.get(OutboxMessage, row.id).status == "sent"
    else:  # the status counts; the garbled code is not kept
        stored = db_session.get(OutboxMessage, row.id)
        assert (stored.status, stored.error_code) == ("failed", None)
