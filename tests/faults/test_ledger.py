"""The ledger's counting on hand-made runs (no processes): outcomes, duplicates, STOP."""

from __future__ import annotations

from typing import Any

from tests.faults import appside
from tests.faults.learners import Sent, SimLearner
from tests.faults.ledger import STOP_GRACE_SECONDS, Ledger, build
from tests.faults.snapshot import Snapshot

KEY = "hash-key"
T0 = 1_000_000.0
ANNA = "+50769000001"
BEN = "+50769000002"
LEARNERS = [
    SimLearner(ANNA, "es", "sms", True, ("Hola", "BAJA")),
    SimLearner(BEN, "fr", "sms", False, ("bonjour",)),
]


def sent(sid: str, number: str = ANNA, status: int | None = 200, **more: Any) -> Sent:
    index = more.pop("index", 0)
    message = Sent(sid, number, index, "Hola", more.pop("is_stop", False), status=status)
    message.acked_at = T0 if status == 200 else None
    message.latency = more.pop("latency", 0.1)
    message.error = more.pop("error", None)
    return message


def record(ref: str | None, to: str = ANNA, body: str = "¡Hola!", t: float = T0 + 5) -> dict:
    return {"t": t, "sid": "SMx", "to": to, "body": body, "ref": ref, "channel": "sms"}


def snapshot(inbound: list[tuple[str, int, str]], outbox: list[dict[str, Any]]) -> Snapshot:
    learners = {
        1: {"id": 1, "public_id": "L1", "phone_hash": appside.phone_hash(ANNA, KEY)},
        2: {"id": 2, "public_id": "L2", "phone_hash": appside.phone_hash(BEN, KEY)},
    }
    for learner in learners.values():
        learner.update(status="active", language="es")
    rows = {
        sid: {"id": n, "message_sid": sid, "learner_id": who, "status": status, "last_error": None}
        for n, (sid, who, status) in enumerate(inbound, start=1)
    }
    ids = {sid: row["id"] for sid, row in rows.items()}
    keyed: dict[str, dict[str, Any]] = {}
    for n, given in enumerate(outbox, start=1):
        key = str(given["idempotency_key"])
        row: dict[str, Any] = {
            "id": n,
            "learner_id": 1,
            "kind": "reply",
            "status": "delivered",
            "error_message": None,
            "body": "¡Hola!",
            "inbound_id": ids.get(key.split(":")[0]),
        }
        keyed[key] = row | given
    return Snapshot(learners, rows, keyed, [])


def ledger(
    messages: list[Sent], snap: Snapshot, records: list[dict], before: tuple[str, ...] = ()
) -> Ledger:
    return build({m.sid: m for m in messages}, LEARNERS, list(before), records, snap, KEY)


def test_each_message_ends_in_exactly_one_outcome() -> None:
    messages = [
        sent("SMa"),  # answered
        sent("SMb"),  # failed, learner told
        sent("SMc"),  # still waiting
        sent("SMd"),  # done but nothing went out
        sent("SMe"),  # acknowledged, never stored
        sent("SMf", status=500),  # refused by a live web process
        sent("SMg", status=None, error="connect"),  # nothing listened
    ]
    snap = snapshot(
        [("SMa", 1, "done"), ("SMb", 1, "failed"), ("SMc", 2, "pending"), ("SMd", 2, "done")],
        [
            {"idempotency_key": "SMa:0"},
            {"idempotency_key": "SMb:0", "body": "No pude con tu mensaje."},
            {"idempotency_key": "SMd:0", "status": "failed", "error_message": "21211"},
        ],
    )
    found = ledger(messages, snap, [record("SMa:0"), record("SMb:0", body="No pude.")])
    assert (found.answered, found.told_failed, found.pending) == (1, 1, 1)
    assert (found.lost, found.unreachable) == (3, 1)
    assert found.messages_in == 7
    assert found.webhook_late == 0


def test_a_key_taken_twice_and_the_same_text_twice_for_one_message_are_duplicates() -> None:
    snap = snapshot(
        [("SMa", 1, "done")], [{"idempotency_key": "SMa:0"}, {"idempotency_key": "SMa:1"}]
    )
    records = [record("SMa:0"), record("SMa:0"), record("SMa:1")]  # key twice; :1 same text
    assert ledger([sent("SMa")], snap, records).duplicated == 2


def test_the_same_text_for_two_different_messages_is_not_a_duplicate() -> None:
    snap = snapshot(
        [("SMa", 1, "done"), ("SMb", 1, "done")],
        [{"idempotency_key": "SMa:0"}, {"idempotency_key": "SMb:0"}],
    )
    records = [record("SMa:0"), record("SMb:0")]  # "hola" twice gets the menu twice
    assert ledger([sent("SMa"), sent("SMb")], snap, records).duplicated == 0


def test_after_stop_only_its_confirmation_may_go() -> None:
    stop = sent("SMs", is_stop=True)
    snap = snapshot([("SMs", 1, "done")], [{"idempotency_key": "SMs:0"}])
    late = T0 + STOP_GRACE_SECONDS + 1
    records = [
        record("SMs:0", t=late),  # the confirmation
        record("broadcast:1:L1", t=late),  # too late: the STOP was stored
        record("broadcast:1:L2", to=BEN, t=late),  # Ben never stopped
        record("broadcast:1:L0", to="+50767000000", t=T0),  # opted out before the run
    ]
    found = ledger([stop], snap, records, before=("+50767000000",))
    assert found.opted_out_sent == 2
    assert found.details["opted_out_sent"] == {
        "after STOP: broadcast": 1,
        "opted out before the run": 1,
    }
    assert found.details["stop_not_applied"] == 1  # Anna is still active in this snapshot


def test_a_webhook_answer_after_15_seconds_counts_as_late() -> None:
    snap = snapshot([("SMa", 1, "done")], [{"idempotency_key": "SMa:0"}])
    found = ledger([sent("SMa", latency=20.1)], snap, [record("SMa:0")])
    assert (found.answered, found.webhook_late) == (1, 1)


def test_failure_notices_must_be_in_the_learners_language() -> None:
    """Once the bot has answered the learner's language choice, notices come in that language."""
    snap = snapshot(
        [("SMa", 1, "failed"), ("SMl", 2, "done"), ("SMb", 2, "failed")],
        [
            {"idempotency_key": "SMa:0", "body": "Lo siento."},
            {"idempotency_key": "SMl:0", "learner_id": 2, "body": "Merci."},
            {"idempotency_key": "SMb:0", "learner_id": 2, "body": "Lo siento."},
        ],
    )
    records = [
        record("SMa:0", body="Lo siento."),
        record("SMl:0", to=BEN, body="Merci."),
        record("SMb:0", to=BEN, body="Lo siento."),
    ]
    messages = [sent("SMa"), sent("SMl", number=BEN, index=1), sent("SMb", number=BEN, index=2)]
    found = ledger(messages, snap, records)
    assert found.told_failed == 2
    assert found.details["told_failed_wrong_language"] == 2  # Ben reads French by then


def test_before_the_language_is_chosen_the_default_language_is_right() -> None:
    """Ben's first message failed: the bot knew no language of his, so Spanish was right."""
    snap = snapshot(
        [("SMa", 1, "failed"), ("SMb", 2, "failed")],
        [
            {"idempotency_key": "SMa:0", "body": "Lo siento."},
            {"idempotency_key": "SMb:0", "learner_id": 2, "body": "Lo siento."},
        ],
    )
    records = [record("SMa:0", body="Lo siento."), record("SMb:0", to=BEN, body="Lo siento.")]
    found = ledger([sent("SMa"), sent("SMb", number=BEN)], snap, records)
    assert found.told_failed == 2
    assert found.details["told_failed_wrong_language"] == 0


def test_a_failed_message_of_a_learner_who_then_opted_out_owes_nothing() -> None:
    """Its failure notice was rightly held back by the STOP: not lost, and not told either."""
    snap = snapshot(
        [("SMa", 1, "failed"), ("SMb", 2, "failed")],
        [
            {"idempotency_key": "SMa:0", "status": "failed", "error_message": "opted out"},
            {"idempotency_key": "SMb:0", "status": "failed", "error_message": "opted out"},
        ],
    )
    snap.learners[1]["status"] = "opted_out"
    found = ledger([sent("SMa"), sent("SMb", number=BEN)], snap, [])
    assert (found.answered, found.told_failed, found.lost) == (1, 0, 1)  # Ben is still active
