"""The sender: paced, retried with backoff, permanent errors recorded, opt-outs respected.

Time is injected: ``FakeTime`` is the pacer's clock (its sleep advances it) and
the channel records that clock at each send, so the rate is measured on the
recorded timestamps, never on the real clock.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.messaging.channels import ChannelError, OutgoingMessage, SendResult
from bot.messaging.channels.local import LocalChannel
from bot.messaging.outbox import WHATSAPP_WINDOW_CLOSED_TEXT
from bot.messaging.pacer import Pacer
from bot.messaging.sender import Sender
from bot.messaging.worker import run_sends_once
from bot.models import Learner, OutboxMessage
from bot.phones import decrypt_phone
from bot.settings import Settings, SettingsError, load_settings
from bot.text.render import Message, render
from bot.vocab import FailureReason, LearnerStatus, OutboxStatus
from tests.builders import NOW, add_learner, add_outbox, new_sid
from tests.fakes import FakeChannel, FakeTime


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """One send at a time, inline: the order of sends is the order of the claims.

    The concurrent sender has tests of its own below.
    """
    return settings.with_overrides({"sender.concurrency": 1})


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def pacer(settings: Settings, fake_time: FakeTime) -> Pacer:
    return Pacer(settings.sender.rate_per_second, fake_time.monotonic, fake_time.sleep)


def fresh(db_session: Session, row: OutboxMessage) -> OutboxMessage:
    db_session.expire_all()
    found = db_session.get(OutboxMessage, row.id)
    assert found is not None
    return found


def test_a_row_is_rendered_sent_and_recorded(db_session, settings, sessions, pacer):
    learner = add_learner(db_session, settings, number="+50761234567")
    row = add_outbox(db_session, learner, "¿Qué aprendiste?", options=["Ahorrar", "Gastar"])
    channel = FakeChannel()

    assert run_sends_once(sessions, channel, settings, pacer, NOW) == {"sent": 1}

    ((_, message),) = channel.sent
    assert (message.to, message.channel, message.reference) == (
        "+50761234567",
        "sms",
        row.idempotency_key,
    )
    assert message.body == render(Message("¿Qué aprendiste?", ("Ahorrar", "Gastar")), "sms", "es")
    assert message.body.startswith("¿Qué aprendiste?\n1 Ahorrar\n2 Gastar\n")
    sent = fresh(db_session, row)
    assert (sent.status, sent.sent_at, sent.attempts) == (OutboxStatus.QUEUED, NOW, 1)
    assert sent.provider_sid.startswith("SM")
    assert (sent.encoding, sent.segments) == ("GSM-7", 1)


def test_segments_and_encoding_are_stored_for_sms(db_session, settings, sessions, pacer):
    settings = settings.with_overrides({"sender.sms_accent_free_languages": []})
    learner = add_learner(db_session, settings)
    row = add_outbox(db_session, learner, "Tu opinión cuenta. " * 5)  # "ó" forces UCS-2

    run_sends_once(sessions, FakeChannel(), settings, pacer, NOW)

    sent = fresh(db_session, row)
    assert (sent.encoding, sent.segments) == ("UCS-2", 2)


def test_whatsapp_gets_its_own_rendering_and_no_segment_count(
    db_session, settings, sessions, pacer
):
    learner = add_learner(db_session, settings, channel="whatsapp")
    row = add_outbox(db_session, learner, "Elige", options=["Uno", "Dos"])
    channel = FakeChannel()

    run_sends_once(sessions, channel, settings, pacer, NOW)

    assert channel.sent[0][1].channel == "whatsapp"
    assert channel.sent[0][1].body == render(Message("Elige", ("Uno", "Dos")), "whatsapp", "es")
    assert channel.sent[0][1].body.startswith("Elige\n\n1. Uno\n2. Dos\n\n")
    assert fresh(db_session, row).segments is None


LESSON_LINE = {
    "es": "¿Cuánto cobrarás? Pregúntale a tu vecina: así sabrás qué precio aceptan.",
    "fr": "Combien coûte ton produit ? Demande à ta voisine où elle l'achète.",
    "en": "How much will you charge? Ask your neighbour first.",
    "ht": "Konbyen w ap mande? Mande vwazen w anvan, sa ap ede w chwazi pri a.",
}


@pytest.mark.parametrize(
    ("language", "channel", "expected", "encoding", "segments"),
    [
        # Spanish and French SMS go accent-free by default: GSM-7, one segment.
        (
            "es",
            "sms",
            "¿Cuanto cobraras? Preguntale a tu vecina: asi sabras qué precio aceptan.",
            "GSM-7",
            1,
        ),
        (
            "fr",
            "sms",
            "Combien coute ton produit ? Demande à ta voisine où elle l'achète.",
            "GSM-7",
            1,
        ),
        # WhatsApp keeps every accent.
        ("es", "whatsapp", LESSON_LINE["es"], None, None),
        ("fr", "whatsapp", LESSON_LINE["fr"], None, None),
        # English and Creole are sent as written.
        ("en", "sms", LESSON_LINE["en"], "GSM-7", 1),
        ("ht", "sms", LESSON_LINE["ht"], "GSM-7", 1),
    ],
)
def test_sms_in_spanish_and_french_go_without_accents_by_default(
    db_session, settings, sessions, pacer, language, channel, expected, encoding, segments
):
    learner = add_learner(db_session, settings, channel=channel, language=language)
    row = add_outbox(db_session, learner, LESSON_LINE[language])
    sent_channel = FakeChannel()

    run_sends_once(sessions, sent_channel, settings, pacer, NOW)

    assert sent_channel.sent[0][1].body == expected
    assert (fresh(db_session, row).encoding, fresh(db_session, row).segments) == (
        encoding,
        segments,
    )


def test_a_spanish_sms_keeps_its_accents_when_the_setting_leaves_spanish_out(
    db_session, settings, sessions, pacer
):
    settings = settings.with_overrides({"sender.sms_accent_free_languages": ["fr"]})
    learner = add_learner(db_session, settings, language="es")
    row = add_outbox(db_session, learner, LESSON_LINE["es"])
    sent_channel = FakeChannel()

    run_sends_once(sessions, sent_channel, settings, pacer, NOW)

    assert sent_channel.sent[0][1].body == LESSON_LINE["es"]
    assert fresh(db_session, row).encoding == "UCS-2"


@pytest.mark.parametrize("rate", [1.0, 10.0, 25.0])
def test_never_more_than_the_rate_in_any_second(db_session, settings, sessions, fake_time, rate):
    settings = settings.with_overrides({"sender.rate_per_second": rate})
    for index in range(12):
        learner = add_learner(db_session, settings, number=f"+5076100{index:04d}")
        for _ in range(3):
            add_outbox(db_session, learner)
    channel = FakeChannel(clock=fake_time.monotonic)
    pacer = Pacer(rate, fake_time.monotonic, fake_time.sleep)

    while run_sends_once(sessions, channel, settings, pacer, NOW):
        pass

    times = [when for when, _ in channel.sent]
    assert len(times) == 36
    per_second = int(rate)
    # Any rate + 1 consecutive sends span at least a second ...
    assert all(
        later - earlier >= 1.0 - 1e-9
        for earlier, later in zip(times, times[per_second:], strict=False)
    )
    # ... and the sender does not go slower than it may (the grid runs 1 % under it).
    assert times[-1] - times[0] == pytest.approx(35 / (rate * Pacer.HEADROOM))


@pytest.mark.parametrize(
    "error",
    [
        ChannelError(FailureReason.RATE_LIMITED, "Too Many Requests", retryable=True),
        ChannelError(FailureReason.PROVIDER_ERROR, "Internal Server Error", retryable=True),
        ChannelError(FailureReason.PROVIDER_ERROR, "timeout: ReadTimeout", retryable=True),
    ],
    ids=["429", "5xx", "timeout"],
)
def test_retryable_errors_back_off_exponentially_then_fail(
    db_session, settings, sessions, pacer, error
):
    # No retry budget beyond the attempts: the third failure is the last.
    settings = settings.with_overrides(
        {
            "sender.max_attempts": 3,
            "sender.backoff_seconds": 2.0,
            "sender.retry_budget_seconds": 0,
        }
    )
    row = add_outbox(db_session, add_learner(db_session, settings))
    channel = FakeChannel(script=[error, error, error])

    assert run_sends_once(sessions, channel, settings, pacer, NOW) == {"retry": 1}
    assert fresh(db_session, row).next_attempt_at == NOW + timedelta(seconds=2)
    assert run_sends_once(sessions, channel, settings, pacer, NOW + timedelta(seconds=1)) == {}
    now = NOW + timedelta(seconds=2)
    assert run_sends_once(sessions, channel, settings, pacer, now) == {"retry": 1}
    assert fresh(db_session, row).next_attempt_at == now + timedelta(seconds=4)
    assert run_sends_once(sessions, channel, settings, pacer, now + timedelta(seconds=4)) == {
        "failed": 1
    }

    failed = fresh(db_session, row)
    assert (failed.status, failed.attempts, failed.error_code) == ("failed", 3, error.code)
    assert failed.error_message == error.message
    assert len(channel.sent) == 3


@pytest.mark.parametrize(
    "error",
    [
        ChannelError(FailureReason.RATE_LIMITED, "Too Many Requests", retryable=True),
        ChannelError(FailureReason.PROVIDER_ERROR, "Service Unavailable", retryable=True),
    ],
    ids=["429", "5xx"],
)
def test_a_provider_failing_past_the_attempts_delays_the_row_until_the_budget_ends(
    db_session, settings, sessions, pacer, error
):
    """A bad hour at the provider delays a message; only the time budget fails it."""
    settings = settings.with_overrides(
        {
            "sender.max_attempts": 3,
            "sender.backoff_seconds": 2.0,
            "sender.retry_backoff_cap_seconds": 8.0,
            "sender.retry_budget_seconds": 60.0,
        }
    )
    row = add_outbox(db_session, add_learner(db_session, settings))  # written at NOW
    channel = FakeChannel(script=[error] * 20)

    now, waits = NOW, []
    while (outcome := run_sends_once(sessions, channel, settings, pacer, now)) == {"retry": 1}:
        retry_at = fresh(db_session, row).next_attempt_at
        waits.append((retry_at - now).total_seconds())
        now = retry_at

    # Doubling up to the cap, well past the 3 attempts, until the row is 60 s old.
    assert waits == [2, 4, 8, 8, 8, 8, 8, 8, 8]
    assert outcome == {"failed": 1}
    assert (now - NOW).total_seconds() == 62  # the first try at or past the budget is the last
    failed = fresh(db_session, row)
    assert (failed.status, failed.attempts) == ("failed", 10)
    assert len(channel.sent) == 10


def test_a_retry_then_success(db_session, settings, sessions, pacer):
    row = add_outbox(db_session, add_learner(db_session, settings))
    channel = FakeChannel(
        script=[
            ChannelError(FailureReason.RATE_LIMITED, "HTTP 429", retryable=True, retry_after=30)
        ]
    )

    run_sends_once(sessions, channel, settings, pacer, NOW)
    assert fresh(db_session, row).next_attempt_at == NOW + timedelta(seconds=30)  # Retry-After
    run_sends_once(sessions, channel, settings, pacer, NOW + timedelta(seconds=30))

    sent = fresh(db_session, row)
    assert (sent.status, sent.attempts, sent.error_code, sent.error_message) == (
        "queued",
        2,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("retry_after", "waited"),
    [(math.inf, 2.0), (math.nan, 2.0), (-5.0, 2.0), (1e12, 3600.0), (30.0, 30.0)],
    ids=["inf", "nan", "negative", "huge", "plain"],
)
def test_a_retry_after_is_used_only_when_sane_and_at_most_the_cap(
    db_session, settings, sessions, pacer, retry_after, waited
):
    ana = add_learner(db_session, settings, number="+50761111111")
    ben = add_learner(db_session, settings, number="+50762222222")
    limited, other = add_outbox(db_session, ana, "Hola Ana"), add_outbox(db_session, ben, "Hola")
    error = ChannelError(
        FailureReason.RATE_LIMITED, "HTTP 429", retryable=True, retry_after=retry_after
    )
    channel = FakeChannel(script=[error])

    assert run_sends_once(sessions, channel, settings, pacer, NOW) == {"retry": 1, "sent": 1}

    assert fresh(db_session, limited).next_attempt_at == NOW + timedelta(seconds=waited)
    assert fresh(db_session, other).status == OutboxStatus.QUEUED


def test_rows_that_cannot_be_prepared_fail_alone_with_their_reason(
    db_session, settings, sessions, pacer
):
    # A language whose catalog is missing (its footer cannot be translated), a
    # number that cannot be decrypted, and a learner with nothing wrong.
    lost = add_learner(db_session, settings, number="+50761111111", language="de")
    broken = add_learner(db_session, settings, number="+50762222222")
    fine = add_learner(db_session, settings, number="+50763333333")
    broken.phone_encrypted = "not-a-fernet-token"
    db_session.commit()
    no_catalog = add_outbox(db_session, lost, "Pregunta", options=["Sí", "No"])
    no_number = add_outbox(db_session, broken, "Hola")
    add_outbox(db_session, fine, "Hola Ana")
    channel = FakeChannel()

    assert run_sends_once(sessions, channel, settings, pacer, NOW) == {"failed": 2, "sent": 1}

    assert [message.body for _, message in channel.sent] == ["Hola Ana"]
    failed = fresh(db_session, no_catalog)
    assert (failed.status, failed.failure_reason) == ("failed", FailureReason.NOT_PREPARED)
    assert "FileNotFoundError" in failed.error_message
    failed = fresh(db_session, no_number)
    assert (failed.status, failed.failure_reason) == ("failed", FailureReason.NO_ADDRESS)


def test_a_row_whose_outcome_cannot_be_recorded_is_recorded_alone_and_never_sent_again(
    db_session, settings, sessions, pacer
):
    ana = add_learner(db_session, settings, number="+50761111111")
    ben = add_learner(db_session, settings, number="+50762222222")
    odd, other = add_outbox(db_session, ana, "Hola Ana"), add_outbox(db_session, ben, "Hola Ben")
    # The provider took Ana's message but answered with a status nobody knows.
    channel = FakeChannel(script=[SendResult(provider_sid="SModd", status="accepted-ish")])

    assert run_sends_once(sessions, channel, settings, pacer, NOW) == {"sent": 2}
    later = NOW + timedelta(minutes=10)
    assert run_sends_once(sessions, channel, settings, pacer, later) == {}

    assert [message.body for _, message in channel.sent] == ["Hola Ana", "Hola Ben"]
    taken = fresh(db_session, odd)
    assert (taken.status, taken.provider_sid) == (OutboxStatus.QUEUED, "SModd")
    assert fresh(db_session, other).status == OutboxStatus.QUEUED


def test_a_learners_later_rows_wait_while_an_earlier_one_retries(
    db_session, settings, sessions, pacer
):
    ana = add_learner(db_session, settings, number="+50761111111")
    ben = add_learner(db_session, settings, number="+50762222222")
    _, question = (
        add_outbox(db_session, ana, "Tema 1"),
        add_outbox(db_session, ana, "Pregunta"),
    )
    add_outbox(db_session, ben, "Hola Ben")
    channel = FakeChannel(
        script=[ChannelError(FailureReason.PROVIDER_ERROR, "HTTP 500", retryable=True)]
    )

    run_sends_once(sessions, channel, settings, pacer, NOW)
    run_sends_once(sessions, channel, settings, pacer, NOW)
    run_sends_once(sessions, channel, settings, pacer, NOW + timedelta(minutes=1))

    assert [message.body for _, message in channel.sent] == [
        "Tema 1",
        "Hola Ben",
        "Tema 1",
        "Pregunta",
    ]
    assert fresh(db_session, question).status == OutboxStatus.QUEUED


def test_a_refusal_for_opting_out_fails_the_row_and_opts_the_learner_out(
    db_session, settings, sessions, pacer
):
    learner = add_learner(db_session, settings)
    row, later = add_outbox(db_session, learner), add_outbox(db_session, learner, "Otra")
    error = ChannelError(
        FailureReason.OPTED_OUT,
        "Attempt to send to unsubscribed recipient",
        code=12345,  # the provider's own code: kept for staff, read by no one else
        retryable=False,
    )
    channel = FakeChannel(script=[error])

    assert run_sends_once(sessions, channel, settings, pacer, NOW) == {"failed": 1, "suppressed": 1}

    failed = fresh(db_session, row)
    assert (failed.status, failed.failure_reason, failed.error_code) == (
        "failed",
        "opted_out",
        12345,
    )
    refreshed = db_session.get(Learner, learner.id)
    assert (refreshed.status, refreshed.opted_out_at) == (LearnerStatus.OPTED_OUT, NOW)
    assert fresh(db_session, later).error_message == "not sent: learner is opted_out"
    assert len(channel.sent) == 1


def test_a_closed_whatsapp_window_is_recorded_as_such(db_session, settings, sessions, pacer):
    row = add_outbox(db_session, add_learner(db_session, settings, channel="whatsapp"))
    error = ChannelError(FailureReason.WINDOW_CLOSED, "outside the window", retryable=False)
    channel = FakeChannel(script=[error])

    run_sends_once(sessions, channel, settings, pacer, NOW)

    failed = fresh(db_session, row)
    assert (failed.status, failed.failure_reason) == (OutboxStatus.FAILED, "window_closed")
    assert failed.error_message == WHATSAPP_WINDOW_CLOSED_TEXT


def test_an_opted_out_learner_gets_only_rows_allowed_for_them(
    db_session, settings, sessions, pacer
):
    learner = add_learner(db_session, settings, status=LearnerStatus.OPTED_OUT)
    lesson = add_outbox(db_session, learner, "Lección 2", kind="lesson")
    confirm = add_outbox(
        db_session, learner, "Ya no recibirás mensajes", kind="opt_out", allow_when_opted_out=True
    )
    channel = FakeChannel()

    assert run_sends_once(sessions, channel, settings, pacer, NOW) == {"suppressed": 1, "sent": 1}

    assert [message.body for _, message in channel.sent] == ["Ya no recibiras mensajes"]
    assert fresh(db_session, lesson).status == OutboxStatus.FAILED
    assert fresh(db_session, confirm).status == OutboxStatus.QUEUED


def test_the_number_is_wiped_once_the_erasure_confirmation_is_sent(
    db_session, settings, sessions, pacer
):
    learner = add_learner(db_session, settings, number="+50761234567", status=LearnerStatus.ERASED)
    stale = add_outbox(db_session, learner, "Lección 3", kind="lesson")
    add_outbox(db_session, learner, "Borramos tus datos", kind="erasure", allow_when_opted_out=True)
    channel = FakeChannel()

    run_sends_once(sessions, channel, settings, pacer, NOW)

    assert [(m.to, m.body) for _, m in channel.sent] == [("+50761234567", "Borramos tus datos")]
    db_session.expire_all()
    assert db_session.get(Learner, learner.id).phone_encrypted is None
    assert fresh(db_session, stale).body is None  # nothing kept for an erased learner


def test_the_local_channel_delivers_without_twilio(db_session, settings, sessions, pacer):
    learner = add_learner(db_session, settings)
    row = add_outbox(db_session, learner)

    run_sends_once(sessions, LocalChannel(), settings, pacer, NOW)

    delivered = fresh(db_session, row)
    assert delivered.status == OutboxStatus.DELIVERED
    assert delivered.provider_sid.startswith("LOCAL")
    assert decrypt_phone(
        db_session.get(Learner, learner.id).phone_encrypted, settings.secrets.phone_encryption_key
    )
    assert db_session.scalars(select(OutboxMessage.body)).one() == "Hola"


# --- The concurrent sender (the worker's loop) -------------------------------


class SlowProvider:
    """A channel that takes a while to answer, like Twilio over the internet.

    Records every message and the most sends that were ever in flight at once.
    """

    name = "slow"

    def __init__(self, answer_seconds: float = 0.02) -> None:
        self.answer_seconds = answer_seconds
        self.sent: list[OutgoingMessage] = []
        self.most_in_flight = 0
        self._in_flight = 0
        self._lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> SendResult:
        with self._lock:
            self._in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self._in_flight)
            self.sent.append(message)
        time.sleep(self.answer_seconds)
        with self._lock:
            self._in_flight -= 1
        return SendResult(provider_sid=new_sid(), status=OutboxStatus.QUEUED)

    def close(self) -> None:
        """Nothing to release."""


class RecordingPacer(Pacer):
    """A pacer that keeps every send start it allowed (its own clock reading)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.started: list[float] = []

    def _start_or_wait(self) -> float:
        delay = super()._start_or_wait()
        if delay == 0:
            self.started.append(self._starts[-1])
        return delay


def test_threads_sharing_a_pacer_never_start_more_than_the_rate_in_any_second():
    """Eight threads, 128 sends at 100/s; every 7th wake-up is 50 ms late, as under load."""
    calls = [0]
    lock = threading.Lock()

    def late_sometimes(seconds: float) -> None:
        with lock:
            calls[0] += 1
            late = calls[0] % 7 == 0
        time.sleep(seconds + (0.05 if late else 0.0))

    pacer = RecordingPacer(100.0, sleep=late_sometimes)

    def send_some() -> None:
        for _ in range(16):
            pacer.wait()
            time.sleep(0.005)  # the send itself

    threads = [threading.Thread(target=send_some) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    starts = sorted(pacer.started)
    assert len(starts) == 128
    # Any 101 consecutive starts span at least a second: no second holds 101.
    assert all(later - earlier >= 1.0 for earlier, later in zip(starts, starts[100:], strict=False))


def test_the_worker_loop_sends_each_row_once_and_each_learners_rows_in_order(
    db_session, settings, sessions
):
    settings = settings.with_overrides({"sender.rate_per_second": 2000.0, "sender.concurrency": 6})
    learners = [
        add_learner(db_session, settings, number=f"+5076200{index:04d}") for index in range(30)
    ]
    expected: dict[str, list[str]] = {}
    for learner in learners:
        for part in ("lesson", "question 1", "question 2"):
            row = add_outbox(db_session, learner, f"{learner.id} {part}")
            expected.setdefault(str(learner.id), []).append(row.body)
    provider = SlowProvider()
    sender = Sender(sessions, provider, settings)

    deadline = time.monotonic() + 30
    while pending(db_session) and time.monotonic() < deadline:
        if not sender.step(NOW):
            time.sleep(0.02)  # idle, as the worker's loop would be
    sender.finish(NOW)

    got: dict[str, list[str]] = {}
    for message in provider.sent:
        got.setdefault(message.body.split()[0], []).append(message.body)
    assert got == expected  # each row once, each learner's in order
    assert 1 < provider.most_in_flight <= 6
    statuses = db_session.scalars(select(OutboxMessage.status).distinct()).all()
    assert statuses == [OutboxStatus.QUEUED]


def test_a_stopping_worker_records_the_sends_in_flight(db_session, settings, sessions):
    settings = settings.with_overrides({"sender.rate_per_second": 1000.0, "sender.concurrency": 4})
    for index in range(4):
        add_outbox(db_session, add_learner(db_session, settings, number=f"+5076300{index:04d}"))
    provider = SlowProvider(answer_seconds=0.3)  # longer than a step waits
    sender = Sender(sessions, provider, settings)

    assert sender.step(NOW) == {"sending": 4}
    assert sender.finish(NOW) == {"sent": 4}

    assert pending(db_session) == 0
    sids = db_session.scalars(select(OutboxMessage.provider_sid)).all()
    assert len(sids) == 4 and all(sids)


def pending(db_session: Session) -> int:
    db_session.expire_all()
    query = select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING)
    return db_session.scalar(query) or 0


@pytest.mark.parametrize(
    ("variable", "value", "field"),
    [
        ("LESSONBOT_SENDER_LEASE_SECONDS", "5", "sender.lease_seconds"),
        ("LESSONBOT_SENDER_CONCURRENCY", "-1", "sender.concurrency"),
        ("LESSONBOT_SENDER_RATE_PER_SECOND", "0", "sender.rate_per_second"),
    ],
)
def test_bad_sender_settings_are_refused_naming_the_field(monkeypatch, variable, value, field):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=field.replace(".", r"\.")):
        load_settings()


def test_an_idle_sender_waits_for_its_poll_or_a_nudge_before_asking_again(
    db_session, settings, sessions
):
    settings = settings.with_overrides({"sender.concurrency": 1, "worker.idle_poll_seconds": 60.0})
    learner = add_learner(db_session, settings)
    sender = Sender(sessions, FakeChannel(), settings)
    assert sender.step(NOW) == {}  # nothing due: the outbox is drained

    add_outbox(db_session, learner, "Hola")
    assert sender.step(NOW) == {}  # not asked again before the poll ...
    sender.nudge()  # ... unless a turn says it wrote replies
    assert sender.step(NOW) == {"sent": 1}
    sender.finish(NOW)


class _StopWhileWaiting(Pacer):
    """The learner's STOP is stored while their claimed row waits for its turn at the rate."""

    def __init__(self, sessions: sessionmaker[Session], learner_id: int, fake_time: FakeTime):
        super().__init__(10.0, fake_time.monotonic, fake_time.sleep)
        self._sessions, self._learner_id = sessions, learner_id

    def wait(self) -> None:
        with self._sessions.begin() as session:
            learner = session.get(Learner, self._learner_id)
            assert learner is not None
            learner.status = LearnerStatus.OPTED_OUT
        super().wait()


def test_a_stop_stored_while_the_row_waits_for_the_rate_holds_it_back(
    db_session, settings, sessions, fake_time
):
    learner = add_learner(db_session, settings)
    row = add_outbox(db_session, learner, "Anuncio: taller el sábado", kind="broadcast")
    channel = FakeChannel()
    pacer = _StopWhileWaiting(sessions, learner.id, fake_time)

    assert run_sends_once(sessions, channel, settings, pacer, NOW) == {"suppressed": 1}

    assert channel.sent == []
    held = fresh(db_session, row)
    assert (held.status, held.failure_reason) == (OutboxStatus.FAILED, FailureReason.LEARNER_LEFT)
    assert held.provider_sid is None


def test_the_stop_confirmation_still_goes_when_the_stop_lands_during_the_wait(
    db_session, settings, sessions, fake_time
):
    learner = add_learner(db_session, settings)
    add_outbox(
        db_session, learner, "Ya no recibirás mensajes", kind="opt_out", allow_when_opted_out=True
    )
    channel = FakeChannel()
    pacer = _StopWhileWaiting(sessions, learner.id, fake_time)

    assert run_sends_once(sessions, channel, settings, pacer, NOW) == {"sent": 1}
    # (accent-free, as Spanish SMS goes by default)
    assert [message.body for _, message in channel.sent] == ["Ya no recibiras mensajes"]


def test_a_busy_database_at_the_send_time_check_does_not_stop_the_send(
    db_session, settings, sessions, pacer, monkeypatch
):
    from sqlalchemy.exc import OperationalError

    from bot.messaging import sender as sender_module

    def locked(self) -> None:  # type: ignore[no-untyped-def]
        raise OperationalError("SELECT learner.id ...", {}, Exception("database is locked"))

    monkeypatch.setattr(sender_module._LeftSinceClaim, "_refresh", locked)
    learner = add_learner(db_session, settings)
    row = add_outbox(db_session, learner, "Lección 2 lista")
    channel = FakeChannel()

    assert run_sends_once(sessions, channel, settings, pacer, NOW) == {"sent": 1}
    assert fresh(db_session, row).status == OutboxStatus.QUEUED
