"""The ledger of a run: what became of every message a learner sent, and what each phone got.

Sources: the simulator (what each learner sent and what the webhook
answered), the Twilio stand-in (every message it took: what the phones got,
duplicates included) and the database at the end (``snapshot``). Per inbound
MessageSid, exactly one of:

- answered: a reply tied to it (``inbound_id``, or an outbox key
  ``{MessageSid}:...``) was taken by Twilio;
- told-failed: it ended failed, and a message tied to it was taken (the
  learner was told it could not be handled);
- pending: still waiting, in the inbound queue or as a reply in the outbox;
- unreachable: the webhook never answered because nothing listened or the
  connection was cut by a kill (Twilio logs a failed webhook); counted apart;
- answered with nothing sent: it ended (done or failed) after its learner
  opted out or was erased, so what was owed to them must not go;
- lost: anything else, e.g. stored and finished with nothing sent, answered
  500 or later than Twilio's 15 s, or acknowledged and never stored.

Duplicates: an outbox key Twilio took more than once, or the same text taken
twice for one learner from one origin (one inbound message, or anything not
a reply: a lesson, a broadcast). Opted-out sends: anything taken for a learner
after their STOP was acknowledged (but the STOP's own confirmation), or for a
learner who had opted out before the run.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from tests.faults import appside
from tests.faults.learners import LANGUAGE_CHOICE, Sent, SimLearner
from tests.faults.snapshot import Snapshot

# What the bot speaks to a learner who has not chosen a language (config.yml).
DEFAULT_LANGUAGE = "es"

# A send the sender had already started when the STOP was stored cannot be recalled.
STOP_GRACE_SECONDS = 1.0
HOLDING_KIND = "holding"  # proposed: the outbox kind of the one "still working on it" reply
FINAL_OUTBOX = frozenset({"failed", "undelivered"})
REACHABLE = frozenset({"new", "active", "paused"})


@dataclass
class Ledger:
    messages_in: int = 0
    answered: int = 0
    told_failed: int = 0
    pending: int = 0
    lost: int = 0
    unreachable: int = 0
    duplicated: int = 0
    opted_out_sent: int = 0
    broadcast_recipients: int = 0
    broadcast_sent: int = 0
    broadcast_missing: int = 0
    holding_max: int = 0
    webhook_late: int = 0  # answered (or not) later than Twilio's 15 s
    details: dict[str, Any] = field(default_factory=dict)
    # When each still-pending message was acknowledged (time.time()), and who was told-failed.
    pending_since: list[float] = field(default_factory=list)
    told_failed_numbers: list[str] = field(default_factory=list)

    def numbers(self) -> dict[str, int]:
        return {name: value for name, value in vars(self).items() if isinstance(value, int)}


class _Links:
    """The outbox rows tied to each inbound message, and what Twilio took."""

    def __init__(self, snapshot: Snapshot, records: list[dict[str, Any]]) -> None:
        sid_by_id = {row["id"]: sid for sid, row in snapshot.inbound.items()}
        self.rows_for: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for key, row in snapshot.outbox.items():
            sid = sid_by_id.get(row["inbound_id"]) or key.rsplit(":", 1)[0]
            if sid in snapshot.inbound:
                self.rows_for[sid].append(row)
        self.taken = Counter(record["ref"] for record in records if record["ref"])


def build(
    sent: dict[str, Sent],
    learners: list[SimLearner],
    opted_out_before: list[str],
    records: list[dict[str, Any]],
    snapshot: Snapshot,
    hash_key: str,
) -> Ledger:
    ledger = Ledger(messages_in=len(sent))
    links = _Links(snapshot, records)
    reasons: Counter[str] = Counter()
    # learner number -> (place in the script, text) of each failure notice Twilio took
    notices: dict[str, list[tuple[int, str]]] = defaultdict(list)
    chose_language: set[str] = set()  # learners whose language choice was answered
    late: Counter[str] = Counter()
    for message in sent.values():
        outcome, why = _classify(message, snapshot, links)
        setattr(ledger, outcome, getattr(ledger, outcome) + 1)
        if outcome == "answered" and message.index == LANGUAGE_CHOICE:
            chose_language.add(message.number)
        if why:
            reasons[f"{outcome}: {why}"] += 1
        if outcome == "pending" and message.acked_at is not None:
            ledger.pending_since.append(message.acked_at)
        if outcome == "told_failed":
            ledger.told_failed_numbers.append(message.number)
            notices[message.number] += [
                (message.index, str(row["body"]))
                for row in links.rows_for[message.sid]
                if links.taken[row["idempotency_key"]]
            ]
        if message.error == "timeout" or (message.latency or 0) >= 15.0:
            ledger.webhook_late += 1
            late[message.error or f"HTTP {message.status}"] += 1
    ledger.details["reasons"] = dict(reasons.most_common(12))
    ledger.details["webhook_late_answers"] = dict(late)
    ledger.details["told_failed_wrong_language"] = _wrong_language(
        notices, learners, chose_language
    )
    ledger.duplicated = _duplicates(records, snapshot, ledger.details)
    ledger.opted_out_sent = _opted_out_sends(sent, opted_out_before, records, ledger.details)
    ledger.details["stop_not_applied"] = _stops_not_applied(sent, snapshot, hash_key)
    _broadcast(ledger, snapshot, links)
    ledger.holding_max = _holding_max(records, snapshot)
    return ledger


def _classify(message: Sent, snapshot: Snapshot, links: _Links) -> tuple[str, str]:
    inbound = snapshot.inbound.get(message.sid)
    if inbound is None:
        if message.acked:
            return "lost", "acknowledged but never stored"
        if message.unreachable:
            return "unreachable", message.error or ""
        return "lost", f"webhook {message.error or f'HTTP {message.status}'}"
    rows = links.rows_for[message.sid]
    taken = [row for row in rows if links.taken[row["idempotency_key"]]]
    waiting = [row for row in rows if row["status"] == "pending"]
    status, error = inbound["status"], (inbound["last_error"] or "")[:70]
    if status == "pending" or waiting:
        return "pending", f"inbound {status}: {error}" if status == "pending" else "reply queued"
    if status == "done" and taken:
        return "answered", ""
    if status == "failed" and taken:
        return "told_failed", error
    if status not in ("done", "failed"):
        return "pending", f"inbound {status}"
    learner = snapshot.learners.get(inbound["learner_id"], {})
    if learner.get("status") not in REACHABLE:
        # Replies, or the notice that a message failed, that a learner who has
        # since opted out (or was erased) must not get: they asked for nothing
        # more, so nothing owed to them is missing.
        return "answered", f"nothing sent ({status}): learner {learner.get('status')}"
    outcomes = Counter(f"{row['status']} {(row['error_message'] or '')[:40]}" for row in rows)
    return "lost", f"{status} ({error or 'no error'}), replies: {dict(outcomes) or 'none'}"


def _duplicates(records: list[dict[str, Any]], snapshot: Snapshot, details: dict[str, Any]) -> int:
    by_key = Counter(record["ref"] for record in records if record["ref"])
    same_key = sum(count - 1 for count in by_key.values() if count > 1)
    refs_by_text: dict[tuple[str, str], set[str]] = defaultdict(set)
    for record in records:
        if record["ref"] and record["body"]:
            refs_by_text[(record["to"], record["body"])].add(record["ref"])
    same_text = 0
    for refs in refs_by_text.values():
        origins = Counter(_origin(ref, snapshot) for ref in refs)
        same_text += sum(count - 1 for count in origins.values() if count > 1)
    details["duplicates"] = {"same_outbox_key": same_key, "same_text_same_origin": same_text}
    details["duplicate_keys"] = [key for key, count in by_key.items() if count > 1][:5]
    return same_key + same_text


def _origin(ref: str, snapshot: Snapshot) -> str:
    """A reply's inbound MessageSid; anything else (lessons, broadcasts) shares one origin."""
    head = ref.rsplit(":", 1)[0]
    return head if head in snapshot.inbound else "not a reply"


def _opted_out_sends(
    sent: dict[str, Sent],
    opted_out_before: list[str],
    records: list[dict[str, Any]],
    details: dict[str, Any],
) -> int:
    stops = {m.number: m for m in sent.values() if m.is_stop and m.acked_at is not None}
    before = set(opted_out_before)
    confirmed: set[str] = set()
    violations: Counter[str] = Counter()
    for record in sorted(records, key=lambda r: r["t"]):
        number = record["to"]
        if number in before:
            violations["opted out before the run"] += 1
            continue
        stop = stops.get(number)
        if (
            stop is None
            or stop.acked_at is None
            or record["t"] <= stop.acked_at + STOP_GRACE_SECONDS
        ):
            continue
        if (record["ref"] or "").startswith(stop.sid + ":") and number not in confirmed:
            confirmed.add(number)  # the STOP's own confirmation
            continue
        kind = (record["ref"] or "?").split(":", 1)[0]
        violations[f"after STOP: {'reply' if kind.startswith('SM') else kind}"] += 1
    details["opted_out_sent"] = dict(violations)
    return sum(violations.values())


def _stops_not_applied(sent: dict[str, Sent], snapshot: Snapshot, hash_key: str) -> int:
    by_hash = {row["phone_hash"]: row for row in snapshot.learners.values()}
    missed = 0
    for message in sent.values():
        if message.is_stop and message.acked:
            learner = by_hash.get(appside.phone_hash(message.number, hash_key))
            missed += learner is None or learner["status"] in REACHABLE
    return missed


def _broadcast(ledger: Ledger, snapshot: Snapshot, links: _Links) -> None:
    by_id = {row["id"]: row for row in snapshot.outbox.values()}
    missing: Counter[str] = Counter()
    for recipient in snapshot.recipients:
        ledger.broadcast_recipients += 1
        row = by_id.get(recipient["outbox_id"])
        learner = snapshot.learners.get(recipient["learner_id"], {})
        if row is not None and links.taken[row["idempotency_key"]]:
            ledger.broadcast_sent += 1
        elif learner.get("status") in REACHABLE:
            state = row["status"] if row else recipient["state"]
            missing[f"{state} {(row or {}).get('error_message') or recipient['reason'] or ''}"] += 1
    ledger.broadcast_missing = sum(missing.values())
    ledger.details["broadcast_missing"] = dict(missing.most_common(6))


def _holding_max(records: list[dict[str, Any]], snapshot: Snapshot) -> int:
    per_learner = Counter(
        record["to"]
        for record in records
        if (snapshot.outbox.get(record["ref"] or "") or {}).get("kind") == HOLDING_KIND
    )
    return max(per_learner.values(), default=0)


def _wrong_language(
    notices: dict[str, list[tuple[int, str]]],
    learners: list[SimLearner],
    chose_language: set[str],
) -> int:
    """Failure notices whose text learners of another language got too: not in the learner's.

    The language a notice must be in is the one the bot knew then: the
    learner's own once the bot has answered their language choice (a message
    processed in order before any later one of theirs), else the default
    language, which is also what the rest of the bot speaks to them then.
    """
    by_learner = {learner.number: learner for learner in learners}

    def expected(number: str, index: int) -> str:
        learner = by_learner.get(number)
        if learner is None:
            return "?"
        knows = learner.language_known or (number in chose_language and index > LANGUAGE_CHOICE)
        return learner.language if knows else DEFAULT_LANGUAGE

    texts_by_language: dict[str, set[str]] = defaultdict(set)
    for number, told in notices.items():
        for index, text in told:
            texts_by_language[expected(number, index)].add(text)
    wrong = 0
    for number, told in notices.items():
        for index, text in told:
            mine = expected(number, index)
            wrong += any(text in texts for lang, texts in texts_by_language.items() if lang != mine)
    return wrong
