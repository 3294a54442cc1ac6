"""`lessonbot chat --channel whatsapp`: what the tester sees, and what a "[2]" tap posts."""

from __future__ import annotations

from sqlalchemy import select

from bot.local.chat import Buttons, buttons_shown, phone_view, tap_form
from bot.models import InboundMessage
from bot.text.choices import option_choice
from bot.text.render import ChannelName
from tests.builders import add_learner, add_outbox, inbound_form, signed_post

YES_NO = ["Sí", "No"]
LANGUAGES = ["Español", "English", "Français", "Kreyòl"]


def test_whatsapp_shows_the_buttons_and_sms_the_numbers(db_session, settings):
    learner = add_learner(db_session, settings, channel="whatsapp")
    row = add_outbox(db_session, learner, "¿Estás de acuerdo?", options=YES_NO)

    whatsapp = phone_view(row, ChannelName.WHATSAPP, "es", accent_free=False)
    sms = phone_view(row, ChannelName.SMS, "es", accent_free=True)

    assert whatsapp["text"] == "¿Estás de acuerdo?"
    assert [(b["tap"], b["title"]) for b in whatsapp["buttons"]] == [("[1]", "Sí"), ("[2]", "No")]
    assert whatsapp["list_button"] is None
    assert sms["text"] == "¿Estas de acuerdo?\n1 Si\n2 No\nResponde 1 o 2"
    assert "buttons" not in sms


def test_a_list_shows_its_button_and_items(db_session, settings):
    learner = add_learner(db_session, settings, channel="whatsapp")
    row = add_outbox(db_session, learner, "¿En qué idioma?", options=LANGUAGES)

    view = phone_view(row, ChannelName.WHATSAPP, "es", accent_free=False)

    assert view["list_button"] == "Elegir"
    assert [b["title"] for b in view["buttons"]] == LANGUAGES


def test_a_tap_posts_what_twilio_posts(db_session, settings):
    learner = add_learner(db_session, settings, channel="whatsapp")
    question = add_outbox(db_session, learner, "¿Estás de acuerdo?", options=YES_NO)
    question.provider_sid = "SM" + "7" * 32
    languages = add_outbox(db_session, learner, "¿En qué idioma?", options=LANGUAGES)
    db_session.commit()

    shown = buttons_shown([question], "es")
    assert shown is not None
    assert tap_form(shown, 2) == {
        "Body": "No",
        "ButtonText": "No",
        "ButtonPayload": shown.choice.payload(2),
        "OriginalRepliedMessageSid": "SM" + "7" * 32,
    }
    listed = buttons_shown([question, languages], "es")
    assert listed is not None
    assert tap_form(listed, 4) == {
        "Body": "Kreyòl",
        "ListTitle": "Kreyòl",
        "ListId": listed.choice.payload(4),
    }


def test_the_webhook_stores_a_tap_with_its_message(client, settings, db_session):
    choice = option_choice("¿Estás de acuerdo?", YES_NO, "es")
    assert choice is not None
    form = inbound_form("No", channel="whatsapp", **tap_form(Buttons(choice, "SM" + "8" * 32), 2))

    assert signed_post(client, settings, "/twilio/inbound", form).status_code == 200

    stored = db_session.scalar(select(InboundMessage))
    assert stored is not None
    assert (stored.body, stored.tap_payload, stored.tapped_message_sid) == (
        "No",
        choice.payload(2),
        "SM" + "8" * 32,
    )
