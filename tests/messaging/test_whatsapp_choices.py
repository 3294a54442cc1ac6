"""WhatsApp choices: buttons and lists as Content, and a tap read as the text it stands for.

From the layout of a choice (``bot.text.choices``) through the sender (numbered
text until the choice's Content is synced, then its ContentSid) to a tap
posted back by Twilio, read before and without NLU (``bot.messaging.taps``)
and sent to Rasa as the learner's typed answer.
"""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.messaging.content import content_for, record_synced, row_choice
from bot.messaging.content_sync import needed_choices
from bot.messaging.inbound import parse_inbound
from bot.messaging.keywords import asks_to_stop
from bot.messaging.pacer import Pacer
from bot.messaging.taps import TAP_NOT_FOUND, typed_for_tap
from bot.messaging.worker import run_sends_once, run_turns_once
from bot.models import InboundMessage, Learner, OutboxMessage, WhatsAppChoice
from bot.settings import Settings
from bot.text.choices import (
    LIST_BUTTON_MOST,
    ChoiceKind,
    TapMeaning,
    keyword_choice,
    list_button,
    option_choice,
    read_payload,
)
from bot.text.languages import LANGUAGES as LANGUAGE_CODES
from lessons import load_catalog
from tests.builders import NOW, add_learner, add_outbox, inbound_form, new_sid
from tests.fakes import FakeChannel, FakeTime, StandInServer, rasa_echo

YES_NO = ["Sí", "No"]
LONG = [
    "Llamo a la oficina al número de su sitio oficial",
    "Le envío la foto de mi cédula por chat",
    "Pago la tarifa que me piden por WhatsApp",
]
LANGUAGES = ["Español", "English", "Français", "Kreyòl"]
ASK = "¿Qué haces?"
QUESTION_KEY = option_choice("¿Estás de acuerdo?", YES_NO, "es").key  # type: ignore[union-attr]


@pytest.fixture
def pacer(settings: Settings) -> Pacer:
    clock = FakeTime()
    return Pacer(settings.sender.rate_per_second, clock.monotonic, clock.sleep)


# --- the layout ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "buttons", "kind", "titles", "in_body"),
    [
        (YES_NO, [], ChoiceKind.QUICK_REPLY, ("Sí", "No"), False),
        # Too long for a button: titled by number, the text lists them in full.
        (LONG, [], ChoiceKind.QUICK_REPLY, ("1", "2", "3"), True),
        # Short labels of the lesson's own: they are the titles, the text lists the options.
        (LONG, ["Llamo yo", "Envío la foto", "Pago"], ChoiceKind.QUICK_REPLY,
         ("Llamo yo", "Envío la foto", "Pago"), True),
        # A label for one option only: the others' texts do not fit, so all go by number.
        (LONG, ["Llamo yo", "", ""], ChoiceKind.QUICK_REPLY, ("1", "2", "3"), True),
        (LANGUAGES, [], ChoiceKind.LIST_PICKER, tuple(LANGUAGES), False),
        # Two buttons that read the same could not be told apart.
        (["Sí", "sí"], [], ChoiceKind.QUICK_REPLY, ("1", "2"), True),
    ],
)  # fmt: skip
def test_the_layout_of_a_choice(options, buttons, kind, titles, in_body):
    choice = option_choice(ASK, options, "es", buttons)

    assert choice is not None
    assert (choice.kind, choice.titles, choice.options_in_body) == (kind, titles, in_body)
    assert choice.meaning == TapMeaning.OPTION
    listed = "\n".join(f"{n}. {option}" for n, option in enumerate(options, 1))
    assert choice.body == (f"{ASK}\n\n{listed}" if in_body else ASK)


def test_a_list_with_long_options_puts_each_under_its_number():
    times = [f"Por la mañana temprano, a las {hour}:00 am en punto" for hour in range(5, 10)]

    choice = option_choice("¿A qué hora?", times, "es")

    assert choice is not None and choice.kind == ChoiceKind.LIST_PICKER
    assert choice.titles == ("1", "2", "3", "4", "5")
    assert choice.descriptions == tuple(times)  # each fits the 72 characters under a title
    assert choice.options_in_body is False
    assert choice.list_button == "Elegir"


def test_no_choice_without_options_beyond_ten_or_for_a_text_too_long_for_content():
    assert option_choice(ASK, [], "es") is None
    assert option_choice(ASK, [str(n) for n in range(11)], "es") is None
    assert option_choice("x" * 1024, YES_NO, "es") is not None
    assert option_choice("x" * 1025, YES_NO, "es") is None


@pytest.mark.parametrize("language", ["es", "en", "fr", "ht"])
def test_the_list_button_fits_in_every_language(language):
    assert 0 < len(list_button(language)) <= LIST_BUTTON_MOST


def test_the_content_types_carry_the_text_titles_and_tap_ids():
    choice = option_choice("¿Estás de acuerdo?", YES_NO, "es")
    assert choice is not None

    types = choice.content_types()

    assert types["twilio/quick-reply"] == {
        "body": "¿Estás de acuerdo?",
        "actions": [
            {"type": "QUICK_REPLY", "title": "Sí", "id": choice.payload(1)},
            {"type": "QUICK_REPLY", "title": "No", "id": choice.payload(2)},
        ],
    }
    assert types["twilio/text"] == {"body": "¿Estás de acuerdo?"}
    assert read_payload(choice.payload(2)).number == 2  # type: ignore[union-attr]
    assert read_payload(choice.payload(2)).key == choice.key  # type: ignore[union-attr]


def test_a_choice_is_named_by_what_it_shows():
    spanish, again = option_choice(ASK, YES_NO, "es"), option_choice(ASK, list(YES_NO), "es")
    english = option_choice(ASK, YES_NO, "en")
    other = option_choice("¿Seguro?", YES_NO, "es")
    assert spanish is not None and again is not None and english is not None and other

    assert spanish.key == again.key  # the same resource, however often it is needed
    assert spanish.key != english.key  # another language, another resource
    assert spanish.key != other.key  # another text, another resource
    assert spanish.friendly_name == f"lessonbot_es_quick_reply_{spanish.key}"


@pytest.mark.parametrize(
    "payload",
    [None, "", "2", "c:zz:1", "c:0123456789abcdef:0", "c:0123456789abcdef:100", "x" * 300],
)
def test_an_id_that_is_not_ours_is_not_read_as_a_tap(payload):
    assert read_payload(payload) is None


def test_a_keyword_menu_lists_the_words_to_tap():
    pairs = [("SIGUIENTE", "tu próxima lección"), ("BAJA", "no más mensajes")]
    choice = keyword_choice("Escribe una de estas palabras:", pairs, "es")

    assert choice is not None
    assert (choice.kind, choice.meaning) == (ChoiceKind.LIST_PICKER, TapMeaning.KEYWORD)
    assert choice.titles == ("SIGUIENTE", "BAJA")
    assert choice.descriptions == ("tu próxima lección", "no más mensajes")
    assert choice.body == "Escribe una de estas palabras:"
    assert keyword_choice("Escribe:", [("UNA PALABRA DEMASIADO LARGA", "x")], "es") is None


# --- the sender ------------------------------------------------------------------


def whatsapp_learner(db_session: Session, settings: Settings):  # type: ignore[no-untyped-def]
    return add_learner(db_session, settings, channel="whatsapp")


def test_an_unsynced_choice_goes_as_numbered_text_and_is_recorded_once(
    db_session, settings, sessions, pacer, caplog
):
    learner = whatsapp_learner(db_session, settings)
    add_outbox(db_session, learner, "¿Estás de acuerdo?", options=YES_NO)
    add_outbox(db_session, learner, "¿Estás de acuerdo?", options=YES_NO)
    channel = FakeChannel()

    with caplog.at_level(logging.WARNING, logger="bot.messaging.content"):
        run_sends_once(sessions, channel, settings, pacer, NOW)

    sent = [message for _, message in channel.sent]
    assert [m.content_sid for m in sent] == [None, None]
    assert sent[0].body == "¿Estás de acuerdo?\n\n1. Sí\n2. No\n\nResponde 1 o 2"
    assert db_session.scalar(select(func.count()).select_from(WhatsAppChoice)) == 1
    assert len([r for r in caplog.records if "no Content yet" in r.getMessage()]) == 1
    db_session.expire_all()
    keys = db_session.scalars(select(OutboxMessage.choice_key)).all()
    assert keys == [option_choice("¿Estás de acuerdo?", YES_NO, "es").key] * 2  # type: ignore[union-attr]


def test_a_synced_choice_goes_as_its_content(db_session, settings, sessions, pacer):
    learner = whatsapp_learner(db_session, settings)
    row = add_outbox(db_session, learner, "Pregunta 1\n¿Qué haces?", options=LONG)
    choice = option_choice("Pregunta 1\n¿Qué haces?", LONG, "es")
    assert choice is not None
    record_synced(db_session, choice, "HX" + "a" * 32, NOW)
    db_session.commit()
    channel = FakeChannel()

    run_sends_once(sessions, channel, settings, pacer, NOW)

    message = channel.sent[0][1]
    assert message.content_sid == "HX" + "a" * 32
    assert (message.body, message.content_variables) == (None, None)
    # Titled by number: the resource lists the options in full, without "Reply 1, 2 or 3".
    listed = "\n".join(f"{n}. {option}" for n, option in enumerate(LONG, 1))
    assert choice.body == "Pregunta 1\n¿Qué haces?\n\n" + listed
    db_session.expire_all()
    assert db_session.get(OutboxMessage, row.id).status == "queued"  # type: ignore[union-attr]


def test_sms_and_text_too_long_for_content_stay_numbered_text(
    db_session, settings, sessions, pacer
):
    sms = add_learner(db_session, settings, number="+50761111111", channel="sms")
    whatsapp = add_learner(db_session, settings, number="+50762222222", channel="whatsapp")
    add_outbox(db_session, sms, "¿Estás de acuerdo?", options=YES_NO)
    add_outbox(db_session, whatsapp, "x" * 1100, options=YES_NO)
    choice = option_choice("¿Estás de acuerdo?", YES_NO, "es")
    assert choice is not None
    record_synced(db_session, choice, "HX" + "b" * 32, NOW)
    db_session.commit()
    channel = FakeChannel()

    run_sends_once(sessions, channel, settings, pacer, NOW)

    assert [m.content_sid for _, m in channel.sent] == [None, None]
    assert all(m.body and m.body.endswith("1 o 2") for _, m in channel.sent)


def test_content_for_records_a_new_choice_once(db_session):
    choice = option_choice("¿Idioma?", LANGUAGES, "es")
    assert choice is not None

    assert content_for(db_session, choice, NOW) is None
    assert content_for(db_session, choice, NOW) is None
    record_synced(db_session, choice, "HX" + "c" * 32, NOW)

    assert content_for(db_session, choice, NOW) == "HX" + "c" * 32
    assert db_session.scalar(select(func.count()).select_from(WhatsAppChoice)) == 1


# --- a tap, as Twilio posts it ------------------------------------------------------


def test_a_tap_is_read_from_the_form_on_whatsapp_only():
    tap = {"ButtonPayload": "c:0123456789abcdef:2", "OriginalRepliedMessageSid": "SM" + "1" * 32}
    listed = {"ListId": "c:0123456789abcdef:4", "ListTitle": "Kreyòl"}

    on_whatsapp = parse_inbound(inbound_form("No", channel="whatsapp", **tap))
    on_list = parse_inbound(inbound_form("Kreyòl", channel="whatsapp", **listed))
    on_sms = parse_inbound(inbound_form("No", channel="sms", **tap))

    assert (on_whatsapp.tap_payload, on_whatsapp.tapped_message_sid) == (
        "c:0123456789abcdef:2",
        "SM" + "1" * 32,
    )
    assert (on_list.tap_payload, on_list.tapped_message_sid) == ("c:0123456789abcdef:4", None)
    assert on_sms.tap_payload is None
    assert (
        len(
            parse_inbound(inbound_form(channel="whatsapp", ButtonPayload="p" * 500)).tap_payload
            or ""
        )
        == 200
    )


def sent_row(db_session: Session, learner, text: str, **columns):  # type: ignore[no-untyped-def]
    """An outbox row as the sender leaves it: sent, with Twilio's SID."""
    row = add_outbox(db_session, learner, text, options=columns.pop("options", None))
    for name, value in columns.items():
        setattr(row, name, value)
    row.status, row.provider_sid = "sent", new_sid()
    choice = row_choice(row, "es")
    row.choice_key = None if choice is None else choice.key  # as the sender records it
    db_session.commit()
    return row


def tap_id(row: OutboxMessage, number: int) -> str:
    """The id Twilio posts back for a tap on ``row``'s ``number``-th button."""
    choice = row_choice(row, "es")
    assert choice is not None
    return choice.payload(number)


def test_a_tap_on_the_question_waiting_is_its_number(db_session, settings):
    learner = whatsapp_learner(db_session, settings)
    question = sent_row(db_session, learner, "¿Qué haces?", options=LONG)
    payload = tap_id(question, 2)

    assert typed_for_tap(db_session, learner.id, payload, question.provider_sid) == "2"
    assert typed_for_tap(db_session, learner.id, payload, None) == "2"  # found by its id alone


def test_a_tap_on_an_older_question_is_that_options_text(db_session, settings):
    learner = whatsapp_learner(db_session, settings)
    old = sent_row(db_session, learner, "¿Qué haces?", options=LONG)
    sent_row(db_session, learner, "¿Estás de acuerdo?", options=YES_NO)
    old_payload = tap_id(old, 1)

    typed = typed_for_tap(db_session, learner.id, old_payload, old.provider_sid)

    assert typed == LONG[0]  # what typing that option now would say


def test_an_older_question_with_the_same_buttons_is_told_apart_by_its_message(db_session, settings):
    learner = whatsapp_learner(db_session, settings)
    old = sent_row(db_session, learner, "¿Te gustó?", options=["Bien", "Mal", "Regular"])
    new = sent_row(db_session, learner, "¿Te gustó?", options=["Bien", "Mal", "Regular"])
    payload = tap_id(new, 3)
    assert tap_id(old, 3) == payload  # one resource shows both

    assert typed_for_tap(db_session, learner.id, payload, old.provider_sid) == "Regular"
    assert typed_for_tap(db_session, learner.id, payload, new.provider_sid) == "3"


def test_a_tap_on_an_old_option_that_reads_as_stop_does_not_opt_out(db_session, settings):
    learner = whatsapp_learner(db_session, settings)
    old = sent_row(db_session, learner, "¿Qué revisas?", options=["El nombre", "Nada, basta"])
    sent_row(db_session, learner, "¿Estás de acuerdo?", options=YES_NO)

    assert asks_to_stop("Nada, basta")  # typed, it would stop every message
    assert typed_for_tap(db_session, learner.id, tap_id(old, 2), old.provider_sid) == "MENU"


def test_the_help_menu_shown_since_does_not_replace_the_question_waiting(db_session, settings):
    learner = whatsapp_learner(db_session, settings)
    question = sent_row(db_session, learner, "¿Qué haces?", options=LONG)
    pairs = [["SIGUIENTE", "tu próxima lección"], ["PERSONA", "hablar con alguien"]]
    sent_row(db_session, learner, "Escribe una de estas palabras:", keywords=pairs)  # MENU
    lost = sent_row(db_session, learner, "¿Seguro?", options=YES_NO)
    lost.status = "failed"  # never reached the phone
    db_session.commit()

    assert typed_for_tap(db_session, learner.id, tap_id(question, 2), question.provider_sid) == "2"


def test_a_tap_on_the_keyword_menu_is_its_keyword(db_session, settings):
    learner = whatsapp_learner(db_session, settings)
    pairs = [["SIGUIENTE", "tu próxima lección"], ["PERSONA", "hablar con alguien"]]
    menu = sent_row(db_session, learner, "Escribe una de estas palabras:", keywords=pairs)
    sent_row(db_session, learner, "¿Estás de acuerdo?", options=YES_NO)  # asked since
    payload = tap_id(menu, 2)

    assert typed_for_tap(db_session, learner.id, payload, menu.provider_sid) == "PERSONA"


@pytest.mark.parametrize(
    "payload",
    [
        "not ours",
        "c:0123456789abcdef:1",  # well formed, shown to nobody
        "tapped-number-too-high",
    ],
)
def test_a_tap_that_matches_nothing_is_read_as_the_menu_keyword(db_session, settings, payload):
    learner = whatsapp_learner(db_session, settings)
    sent_row(db_session, learner, "¿Estás de acuerdo?", options=YES_NO)
    asked = db_session.scalar(select(OutboxMessage))
    if payload == "tapped-number-too-high":
        payload = tap_id(asked, 3)

    assert typed_for_tap(db_session, learner.id, payload, None) == TAP_NOT_FOUND


def test_the_worker_sends_a_tap_to_rasa_as_the_typed_answer_without_nlu(
    db_session, settings, sessions, rasa_at
):
    learner = whatsapp_learner(db_session, settings)
    question = sent_row(db_session, learner, "¿Qué haces?", options=LONG)
    payload = tap_id(question, 3)
    for body, tap in [("3", payload), ("Nada", "c:0123456789abcdef:1")]:
        db_session.add(
            InboundMessage(
                message_sid=new_sid(),
                learner_id=learner.id,
                channel="whatsapp",
                body=body,
                received_at=NOW,
                tap_payload=tap,
                tapped_message_sid=question.provider_sid,
            )
        )
    db_session.commit()

    with StandInServer(rasa_echo) as rasa:
        done = run_turns_once(sessions, rasa_at(rasa.url), settings, NOW)

    assert done == {"answered": 2}
    texts = [request.json()["message"] for request in rasa.requests]
    # The question's third option; then a tap that is not ours gets the menu.
    assert texts == ['/choose_option{"option":"3"}', "/help"]


def test_a_learner_without_a_language_gets_the_language_list_and_can_tap_it(
    db_session, settings, sessions, pacer
):
    """The language menu comes before the learner has a language: shown in the default one."""
    learner = add_learner(db_session, settings, channel="whatsapp", language=None)
    add_outbox(db_session, learner, "Elige tu idioma / Choose your language", options=LANGUAGES)
    choice = option_choice("Elige tu idioma / Choose your language", LANGUAGES, "es")
    assert choice is not None
    channel = FakeChannel()

    run_sends_once(sessions, channel, settings, pacer, NOW)

    sent = channel.sent[0][1]
    assert sent.body is not None and "4. Kreyòl" in sent.body  # numbered until synced
    recorded = db_session.scalar(select(WhatsAppChoice))
    assert recorded is not None
    assert (recorded.kind, recorded.language, recorded.titles) == ("list_picker", "es", LANGUAGES)
    row = db_session.scalar(select(OutboxMessage))
    assert row is not None and row.provider_sid is not None
    assert row.choice_key == choice.key
    # The learner has chosen a language since: the list they tapped is still theirs.
    learner.language = "ht"
    db_session.commit()
    assert typed_for_tap(db_session, learner.id, choice.payload(4), row.provider_sid) == "4"


@hypothesis_settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    payload=st.one_of(
        st.text(max_size=250),
        # Ours: the question's two buttons, and numbers beyond them.
        st.builds("c:{}:{}".format, st.just(QUESTION_KEY), st.integers(0, 120)),
        st.builds(
            "c:{}:{}".format,
            st.text("0123456789abcdef", min_size=16, max_size=16),
            st.integers(0, 120),
        ),
    ),
    tapped=st.one_of(st.none(), st.text(max_size=70)),
)
def test_no_tap_id_breaks_the_reading(db_session, settings, payload, tapped):
    """Whatever Twilio (or anyone with the signature) posts, the tap is read or ruled out."""
    learner = db_session.scalar(select(Learner)) or whatsapp_learner(db_session, settings)
    if db_session.scalar(select(func.count()).select_from(OutboxMessage)) == 0:
        sent_row(db_session, learner, "¿Estás de acuerdo?", options=YES_NO)

    typed = typed_for_tap(db_session, learner.id, payload, tapped)

    assert typed in ("1", "2", TAP_NOT_FOUND)
    tap = read_payload(payload)
    if tap is not None and tap.key == QUESTION_KEY and tap.number <= 2:
        assert typed == str(tap.number)


def test_no_shipped_title_or_option_reads_as_an_opt_out(settings):
    """A tap's Body is its title, and an old question's tap is its option's text: never STOP.

    The webhook opts a learner out on the Body as it stores the message
    (bot.messaging.ingest); only the help menu's own STOP keyword may do that.
    """
    catalog = load_catalog(settings.lessons_path)
    retention = settings.app.message_retention_days
    stopping = []
    for choice in needed_choices(catalog, LANGUAGE_CODES, retention):
        if choice.meaning == TapMeaning.OPTION:
            stopping += [(choice.language, t) for t in choice.titles if asks_to_stop(t)]
    for lesson in catalog.lessons:
        for question in lesson.questions:
            for option in question.options:
                for language in LANGUAGE_CODES:
                    said = [option.text[language], option.button.get(language, "")]
                    stopping += [(language, text) for text in said if asks_to_stop(text)]

    assert stopping == []
