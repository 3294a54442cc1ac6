"""The due-lessons job against a real (migrated) database and a fake Rasa.

What is tested is the job's own logic: which learners it takes, what it writes
to the outbox, and how it moves their schedule. Rasa is a stand-in object with
``trigger_intent`` (a real Rasa turn is the integration suite's business).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.learners.due import due_query, find_due
from bot.learners.schedule import release_waiting_lesson
from bot.messaging import dispatch
from bot.messaging.dispatch import deliver_due_lessons
from bot.messaging.rasa_client import RasaRejected, RasaUnavailable
from bot.models import Learner, OutboxMessage
from bot.settings import Settings
from bot.vocab import LearnerStatus
from scheduler.main import build_scheduler

# Monday 2025-03-03, 14:00 in Panama (UTC-5).
NOW = datetime(2025, 3, 3, 19, 0)
TEMPLATE_SID = "HX" + "0" * 32

LESSON = [
    {"recipient_id": "x", "custom": {"text": "Lesson: keep a daily record", "kind": "lesson"}},
    {"recipient_id": "x", "custom": {"text": "Why?", "options": ["a", "b"], "kind": "quiz"}},
]


class FakeRasa:
    """Answers ``trigger_intent`` like RasaClient, and remembers who it was asked for."""

    def __init__(self, answer: Callable[[str], list[dict[str, Any]]] | None = None) -> None:
        self.calls: list[tuple[str, str]] = []
        self.answer = answer or (lambda sender_id: LESSON)

    def trigger_intent(
        self,
        sender_id: str,
        intent: str,
        entities: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> list[dict]:
        self.calls.append((sender_id, intent))
        return self.answer(sender_id)


@pytest.fixture
def job_settings(settings: Settings) -> Settings:
    return settings.with_overrides({"twilio.whatsapp_window_template_sid": TEMPLATE_SID})


def add_learner(sessions: sessionmaker[Session], **fields: Any) -> Learner:
    values: dict[str, Any] = {
        "channel": "sms",
        "status": LearnerStatus.ACTIVE,
        "language": "es",
        "course_key": "entrepreneurship",
        "delivery_time": "14:00",
        "timezone": "America/Panama",
        "next_lesson_at": NOW,
        "created_at": NOW - timedelta(days=10),
        "last_inbound_at": NOW - timedelta(hours=1),
        "consent_at": NOW - timedelta(days=10),
    }
    values.update(fields)
    with session_scope(sessions) as session:
        learner = Learner(**values)
        session.add(learner)
    return learner


def outbox(sessions: sessionmaker[Session]) -> list[OutboxMessage]:
    with session_scope(sessions) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def reload(sessions: sessionmaker[Session], learner: Learner) -> Learner:
    with session_scope(sessions) as session:
        found = session.get(Learner, learner.id)
        assert found is not None
        return found


def test_the_query_takes_exactly_the_due_active_unpaused_learners(
    sessions: sessionmaker[Session],
) -> None:
    due = [
        add_learner(sessions, next_lesson_at=NOW - timedelta(hours=3)),
        add_learner(sessions, next_lesson_at=NOW),
        add_learner(sessions, paused_until=NOW - timedelta(days=1)),  # pause over
    ]
    for fields in (
        {"next_lesson_at": NOW + timedelta(minutes=1)},
        {"next_lesson_at": None},
        {"paused_until": NOW + timedelta(days=2)},
        {"status": LearnerStatus.PAUSED},
        {"status": LearnerStatus.OPTED_OUT},
        {"status": LearnerStatus.ERASED},
        {"status": LearnerStatus.NEW},
    ):
        add_learner(sessions, **fields)

    with session_scope(sessions) as session:
        found = find_due(session, NOW, limit=100)
        assert [learner.id for learner in found] == [learner.id for learner in due]
        assert [learner.id for learner in find_due(session, NOW, limit=2)] == [
            learner.id for learner in due[:2]
        ]


def test_the_query_is_one_range_scan_of_the_due_index(sessions: sessionmaker[Session]) -> None:
    query = due_query(NOW, 500)
    with session_scope(sessions) as session:
        compiled = query.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = " ".join(
            str(row[-1]) for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        )
    assert "USING INDEX ix_learner_due (status=? AND next_lesson_at<?)" in plan
    assert "TEMP B-TREE" not in plan  # no sort: the index gives the order


def test_a_due_lesson_goes_to_the_outbox_and_the_slot_moves_on(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    learner = add_learner(sessions)
    rasa = FakeRasa()

    summary = deliver_due_lessons(sessions, rasa, job_settings, NOW)

    assert summary == {"due": 1, "triggered": 1, "skipped_quiet": 0, "window_template": 0}
    assert rasa.calls == [(learner.public_id, "EXTERNAL_lesson_due")]
    rows = outbox(sessions)
    assert [(row.kind, row.body, row.options) for row in rows] == [
        ("lesson", "Lesson: keep a daily record", None),
        ("quiz", "Why?", ["a", "b"]),
    ]
    assert [row.idempotency_key for row in rows] == [
        f"lesson:{learner.public_id}:2025-03-03T19:00:00:0",
        f"lesson:{learner.public_id}:2025-03-03T19:00:00:1",
    ]
    after = reload(sessions, learner)
    assert after.last_lesson_at == NOW
    assert after.next_lesson_at == datetime(2025, 3, 4, 19, 0)  # tomorrow 14:00 Panama


def test_replaying_a_slot_writes_one_set_of_rows(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    learner = add_learner(sessions)
    rasa = FakeRasa()
    deliver_due_lessons(sessions, rasa, job_settings, NOW)
    # The same slot again (say the schedule was restored from a backup).
    with session_scope(sessions) as session:
        session.execute(update(Learner).where(Learner.id == learner.id).values(next_lesson_at=NOW))

    deliver_due_lessons(sessions, rasa, job_settings, NOW)
    deliver_due_lessons(sessions, rasa, job_settings, NOW + timedelta(minutes=1))

    assert len(outbox(sessions)) == 2
    assert reload(sessions, learner).next_lesson_at == datetime(2025, 3, 4, 19, 0)


def test_a_crash_before_the_outbox_commit_leaves_the_lesson_due(
    sessions: sessionmaker[Session], job_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    learner = add_learner(sessions)
    rasa = FakeRasa()

    def crash(*args: object) -> int:
        raise KeyboardInterrupt  # the process is killed after Rasa's turn

    with monkeypatch.context() as patch:
        patch.setattr(dispatch, "queue_lesson", crash)
        with pytest.raises(KeyboardInterrupt):
            deliver_due_lessons(sessions, rasa, job_settings, NOW)
    assert outbox(sessions) == []
    assert reload(sessions, learner).next_lesson_at == NOW  # still due: not skipped

    summary = deliver_due_lessons(sessions, rasa, job_settings, NOW + timedelta(minutes=1))

    assert summary["triggered"] == 1
    assert len(outbox(sessions)) == 2  # one lesson, not two
    assert reload(sessions, learner).next_lesson_at == datetime(2025, 3, 4, 19, 0)


def test_in_quiet_hours_the_slot_moves_to_their_end(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    late = datetime(2025, 3, 4, 3, 0)  # Monday 22:00 in Panama
    learner = add_learner(sessions, next_lesson_at=late - timedelta(hours=3))
    rasa = FakeRasa()

    summary = deliver_due_lessons(sessions, rasa, job_settings, late)

    assert summary["skipped_quiet"] == 1
    assert rasa.calls == []
    assert outbox(sessions) == []
    assert reload(sessions, learner).next_lesson_at == datetime(2025, 3, 4, 12, 0)  # 07:00


def test_quiet_hours_are_the_learners_own(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    moment = datetime(2025, 3, 4, 1, 30)  # 20:30 in Panama, 21:30 in Caracas
    in_panama = add_learner(sessions, next_lesson_at=moment)
    in_caracas = add_learner(sessions, next_lesson_at=moment, timezone="America/Caracas")
    rasa = FakeRasa()

    summary = deliver_due_lessons(sessions, rasa, job_settings, moment)

    assert (summary["triggered"], summary["skipped_quiet"]) == (1, 1)
    assert rasa.calls == [(in_panama.public_id, "EXTERNAL_lesson_due")]
    assert reload(sessions, in_caracas).next_lesson_at == datetime(2025, 3, 4, 11, 0)


def test_whatsapp_with_the_window_closed_gets_the_template(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    learner = add_learner(
        sessions, channel="whatsapp", last_inbound_at=NOW - timedelta(hours=24, minutes=1)
    )
    rasa = FakeRasa()

    summary = deliver_due_lessons(sessions, rasa, job_settings, NOW)

    assert summary["window_template"] == 1
    assert rasa.calls == []  # the lesson waits for the learner's reply
    [row] = outbox(sessions)
    assert (row.kind, row.content_sid, row.content_variables) == (
        "window_template",
        TEMPLATE_SID,
        {"1": "1"},
    )
    after = reload(sessions, learner)
    assert (after.next_lesson_at, after.lesson_waiting_since) == (None, NOW)

    # The learner answers; the inbound path releases the lesson; the next tick sends it.
    reply_at = NOW + timedelta(hours=2)
    with session_scope(sessions) as session:
        waiting = session.get(Learner, learner.id)
        assert waiting is not None
        waiting.last_inbound_at = reply_at
        assert release_waiting_lesson(waiting, reply_at)
    summary = deliver_due_lessons(sessions, rasa, job_settings, reply_at + timedelta(minutes=1))
    assert summary["triggered"] == 1
    assert [row.kind for row in outbox(sessions)] == ["window_template", "lesson", "quiz"]
    assert reload(sessions, learner).lesson_waiting_since is None


def test_each_learner_gets_the_window_template_approved_in_their_language(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    # WhatsApp approves a template per language; a language without one of its
    # own gets the template configured for all.
    creole_sid = "HX" + "c" * 32
    per_language = job_settings.with_overrides(
        {"twilio.whatsapp_window_template_sids": {"ht": creole_sid}}
    )
    closed = NOW - timedelta(hours=25)
    for language in ("ht", "fr"):
        add_learner(sessions, channel="whatsapp", language=language, last_inbound_at=closed)

    assert deliver_due_lessons(sessions, FakeRasa(), per_language, NOW)["window_template"] == 2

    with session_scope(sessions) as session:
        sent = dict(
            session.execute(
                select(Learner.language, OutboxMessage.content_sid).join(
                    Learner, Learner.id == OutboxMessage.learner_id
                )
            ).all()
        )
    assert sent == {"ht": creole_sid, "fr": TEMPLATE_SID}


@pytest.mark.parametrize(
    ("channel", "since_last_message"),
    [("whatsapp", timedelta(hours=23, minutes=59)), ("sms", timedelta(days=30))],
    ids=["whatsapp, window open", "sms has no window"],
)
def test_free_text_when_the_window_does_not_apply(
    sessions: sessionmaker[Session],
    job_settings: Settings,
    channel: str,
    since_last_message: timedelta,
) -> None:
    add_learner(sessions, channel=channel, last_inbound_at=NOW - since_last_message)

    summary = deliver_due_lessons(sessions, FakeRasa(), job_settings, NOW)

    assert (summary["triggered"], summary["window_template"]) == (1, 0)


def test_a_schedule_changed_during_the_turn_is_kept(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    learner = add_learner(sessions)
    elsewhere = datetime(2025, 3, 5, 13, 0)

    def learner_changes_time_meanwhile(sender_id: str) -> list[dict[str, Any]]:
        with session_scope(sessions) as session:
            session.execute(
                update(Learner).where(Learner.id == learner.id).values(next_lesson_at=elsewhere)
            )
        return LESSON

    deliver_due_lessons(sessions, FakeRasa(learner_changes_time_meanwhile), job_settings, NOW)

    assert len(outbox(sessions)) == 2  # the lesson Rasa started still goes
    after = reload(sessions, learner)
    assert (after.next_lesson_at, after.last_lesson_at) == (elsewhere, NOW)


def test_rasa_down_ends_the_tick_and_the_learners_stay_due(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    learners = [add_learner(sessions) for _ in range(3)]

    def down(sender_id: str) -> list[dict[str, Any]]:
        raise RasaUnavailable("cannot connect", reached=False)

    rasa = FakeRasa(down)
    summary = deliver_due_lessons(sessions, rasa, job_settings, NOW)

    assert summary["rasa_unavailable"] == 1
    assert len(rasa.calls) == 1
    assert all(reload(sessions, learner).next_lesson_at == NOW for learner in learners)


def test_several_learners_are_delivered_at_once_each_once(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    learners = [add_learner(sessions) for _ in range(9)]
    lock, at_once, most = threading.Lock(), [0], [0]

    def slow_lesson(sender_id: str) -> list[dict[str, Any]]:
        with lock:
            at_once[0] += 1
            most[0] = max(most[0], at_once[0])
        time.sleep(0.05)
        with lock:
            at_once[0] -= 1
        return LESSON

    rasa = FakeRasa(slow_lesson)
    settings = job_settings.with_overrides({"schedule.dispatch_concurrency": 3})
    summary = deliver_due_lessons(sessions, rasa, settings, NOW)

    assert summary["triggered"] == 9
    assert sorted(sender for sender, _ in rasa.calls) == sorted(a.public_id for a in learners)
    assert 1 < most[0] <= 3
    assert len(outbox(sessions)) == 18  # a lesson and its question each
    assert all(reload(sessions, learner).next_lesson_at > NOW for learner in learners)


def test_rasa_going_down_mid_tick_leaves_the_rest_due(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    learners = [add_learner(sessions) for _ in range(6)]
    answered: list[str] = []

    def once_then_down(sender_id: str) -> list[dict[str, Any]]:
        if answered:
            raise RasaUnavailable("connection refused", reached=False)
        answered.append(sender_id)
        return LESSON

    summary = deliver_due_lessons(sessions, FakeRasa(once_then_down), job_settings, NOW)

    assert summary["triggered"] == 1 and summary["rasa_unavailable"] >= 1
    slots = [reload(sessions, learner).next_lesson_at for learner in learners]
    assert sum(slot == NOW for slot in slots) == 5  # nobody skipped: still due
    assert len(outbox(sessions)) == 2


def test_a_rejected_turn_is_retried_later(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    learner = add_learner(sessions)

    def rejected(sender_id: str) -> list[dict[str, Any]]:
        raise RasaRejected("HTTP 400")

    summary = deliver_due_lessons(sessions, FakeRasa(rejected), job_settings, NOW)

    assert summary["failed"] == 1
    assert outbox(sessions) == []
    assert reload(sessions, learner).next_lesson_at == NOW + timedelta(minutes=30)


def test_an_unusable_time_zone_unschedules_only_that_learner(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    broken = add_learner(sessions, timezone="Mars/Olympus_Mons")
    fine = add_learner(sessions)
    rasa = FakeRasa()

    summary = deliver_due_lessons(sessions, rasa, job_settings, NOW)

    assert (summary["invalid_schedule"], summary["triggered"]) == (1, 1)
    assert rasa.calls == [(fine.public_id, "EXTERNAL_lesson_due")]
    assert reload(sessions, broken).next_lesson_at is None


def test_an_unusable_preference_after_the_turn_keeps_the_lesson(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    learner = add_learner(sessions, delivery_days="nonsense")

    summary = deliver_due_lessons(sessions, FakeRasa(), job_settings, NOW)

    assert summary["triggered"] == 1
    assert len(outbox(sessions)) == 2
    assert reload(sessions, learner).next_lesson_at is None


def test_a_tick_takes_batch_after_batch_oldest_slot_first(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    learners = [
        add_learner(sessions, next_lesson_at=NOW - timedelta(minutes=minutes))
        for minutes in (3, 7, 1, 9, 5)
    ]
    rasa = FakeRasa()
    settings = job_settings.with_overrides(
        {"schedule.due_batch_size": 2, "schedule.dispatch_concurrency": 1}
    )

    summary = deliver_due_lessons(sessions, rasa, settings, NOW)

    oldest_first = sorted(learners, key=lambda learner: learner.next_lesson_at)
    assert [sender for sender, _ in rasa.calls] == [a.public_id for a in oldest_first]
    assert (summary["due"], summary["triggered"]) == (5, 5)
    assert len(outbox(sessions)) == 10
    assert deliver_due_lessons(sessions, rasa, settings, NOW)["due"] == 0


def test_when_the_ticks_time_is_up_the_rest_wait_for_the_next_tick(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    learners = [
        add_learner(sessions, next_lesson_at=NOW - timedelta(minutes=minutes))
        for minutes in range(12, 0, -1)
    ]

    def slow_lesson(sender_id: str) -> list[dict[str, Any]]:
        time.sleep(0.1)
        return LESSON

    rasa = FakeRasa(slow_lesson)
    settings = job_settings.with_overrides(
        {
            "schedule.due_batch_size": 3,
            "schedule.dispatch_concurrency": 1,
            "schedule.dispatch_tick_seconds": 0.45,
        }
    )

    first = deliver_due_lessons(sessions, rasa, settings, NOW)

    served = len(rasa.calls)
    assert 3 <= served <= 6 and first["triggered"] == served
    # The oldest were served; everyone else is still due, none skipped.
    assert [sender for sender, _ in rasa.calls] == [a.public_id for a in learners[:served]]
    slots = [reload(sessions, learner).next_lesson_at for learner in learners]
    assert all(slot > NOW for slot in slots[:served])
    assert slots[served:] == [learner.next_lesson_at for learner in learners[served:]]
    while len(rasa.calls) < len(learners):
        deliver_due_lessons(sessions, rasa, settings, NOW)
    assert sorted(sender for sender, _ in rasa.calls) == sorted(a.public_id for a in learners)


def test_a_learner_still_due_after_the_turn_is_not_taken_twice_in_a_tick(
    sessions: sessionmaker[Session], job_settings: Settings
) -> None:
    moved = add_learner(sessions, next_lesson_at=NOW - timedelta(minutes=2))
    other = add_learner(sessions, next_lesson_at=NOW - timedelta(minutes=1))

    def moved_during_the_turn(sender_id: str) -> list[dict[str, Any]]:
        if sender_id == moved.public_id:
            # The learner asked for a time already passed today while Rasa ran.
            with session_scope(sessions) as session:
                session.execute(
                    update(Learner)
                    .where(Learner.id == moved.id)
                    .values(next_lesson_at=NOW - timedelta(minutes=5))
                )
        return LESSON

    rasa = FakeRasa(moved_during_the_turn)
    settings = job_settings.with_overrides(
        {"schedule.due_batch_size": 1, "schedule.dispatch_concurrency": 1}
    )

    summary = deliver_due_lessons(sessions, rasa, settings, NOW)

    assert [sender for sender, _ in rasa.calls] == [moved.public_id, other.public_id]
    assert summary["triggered"] == 2
    assert reload(sessions, moved).next_lesson_at == NOW - timedelta(minutes=5)  # due next tick


def test_later_batches_read_the_clock_for_quiet_hours(
    sessions: sessionmaker[Session], job_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 20:59:50 in Panama: quiet hours start at 21:00. The first batch is served;
    # the second is read 30 s later on the monotonic clock, in quiet hours.
    before_quiet = datetime(2025, 3, 4, 1, 59, 50)
    first = add_learner(sessions, next_lesson_at=before_quiet - timedelta(minutes=2))
    second = add_learner(sessions, next_lesson_at=before_quiet - timedelta(minutes=1))
    ticks = iter([100.0, 100.0, 100.0, 130.0, 130.0, 130.0, 130.0, 130.0])
    monkeypatch.setattr(dispatch.time, "monotonic", lambda: next(ticks, 130.0))
    rasa = FakeRasa()
    settings = job_settings.with_overrides(
        {"schedule.due_batch_size": 1, "schedule.dispatch_concurrency": 1}
    )

    summary = deliver_due_lessons(sessions, rasa, settings, before_quiet)

    assert rasa.calls == [(first.public_id, "EXTERNAL_lesson_due")]
    assert (summary["triggered"], summary["skipped_quiet"]) == (1, 1)
    quiet_end = datetime(2025, 3, 4, 12, 0)  # 07:00 in Panama
    assert reload(sessions, second).next_lesson_at == quiet_end


def test_the_job_is_in_the_scheduler_table(job_settings: Settings) -> None:
    job = build_scheduler(job_settings).get_job("deliver_due_lessons")

    assert job is not None
    assert job.trigger.interval == timedelta(minutes=1)
    assert (job.coalesce, job.max_instances) == (True, 1)
