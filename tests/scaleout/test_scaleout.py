"""Production beyond one machine, as processes: PostgreSQL, Redis, two Rasa servers, two workers.

60 learners in four languages talk at once through the signed webhook. One
Rasa server is killed (-9) in the middle: the learners it served go on with
the other within 30 s. Then one worker is killed: the other takes over its
messages. A second scheduler is refused by the first's advisory lock.
Every learner's transcript must be in order, nothing lost, nothing answered
twice. PostgreSQL or Redis missing fails the test: it never skips.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.messaging.rasa_client import server_order
from tests.faults import appside
from tests.faults.run import Recorder, Run
from tests.faults.scale import Scale
from tests.faults.snapshot import take
from tests.faults.stack import prepare_database
from tests.postgres import scratch_database
from tests.scaleout.topology import (
    REDIS_DB,
    SCHEDULER_REFUSED_EXIT,
    ScaleOut,
    flush_redis,
)

pytestmark = [pytest.mark.scaleout, pytest.mark.rasa, pytest.mark.postgres]

SCALE = Scale(
    name="scaleout",
    learners=60,
    inbound_per_second=6.0,
    broadcast_silent=0,
    opted_out=0,
    send_rate=50.0,
    kills=1,
    settle_seconds=180.0,
)
RASA_KILLED_AT = 0.3  # of the learners' load
WORKER_KILLED_AT = 0.75
FAILOVER_SECONDS = 30.0


@pytest.fixture
def topology(tmp_path: Path) -> Iterator[ScaleOut]:
    for path in ("nlu/models/lessonbot.tar.gz", ".venv-rasa/bin/rasa"):
        if not (appside.PROJECT_ROOT / path).exists():
            pytest.fail(f"the scale-out test needs {path}: run `make model`")
    flush_redis(REDIS_DB)
    with (
        scratch_database("lessonbot_scaleout") as app_url,
        scratch_database("rasa_scaleout") as tracker_url,
    ):
        system = ScaleOut(tmp_path, app_url, tracker_url, SCALE)
        try:
            prepare_database(system.env())
            system.start()
            yield system
        finally:
            system.stop()
            flush_redis(REDIS_DB)


def test_two_rasa_servers_two_workers_on_postgresql_and_redis(topology: ScaleOut) -> None:
    seed = random.randrange(2**31)
    run = Run(
        "scale-out",
        "postgresql",
        topology,
        SCALE,
        random.Random(seed),
        Recorder({"seed": seed}),
        [],
    )

    refused = topology.second_scheduler()
    assert refused.returncode == SCHEDULER_REFUSED_EXIT, refused.stderr[-2000:]
    assert "another scheduler holds the PostgreSQL advisory lock" in refused.stderr

    killed: dict[str, float] = {}

    def kill(name: str) -> None:
        topology.kill9(name)
        killed[name] = time.time()

    run.at(RASA_KILLED_AT, "kill -9 rasa1 (not restarted)", lambda: kill("rasa1"))
    run.at(WORKER_KILLED_AT, "kill -9 worker2 (not restarted)", lambda: kill("worker2"))
    run.play()
    ledger = run.finish_counting()

    records = topology.twilio_records()
    run.check(
        ledger.answered == ledger.messages_in, f"answered {ledger.answered} of {ledger.messages_in}"
    )
    run.check(not ledger.told_failed, f"{ledger.told_failed} learners told their message failed")
    run.check(ledger.messages_in == sum(len(x.script) for x in run.learners), "not all were sent")
    failover = slow_failover(run, topology, records, killed["rasa1"], killed["worker2"])
    for failure in out_of_order(run, records) + failover:
        run.check(False, failure)
    run.verdict(ledger)
    assert both_servers_served(run, topology), "one Rasa server took every learner"
    # The timeline and the numbers, for `pytest -s` and the README.
    print("\n".join(["scale-out run:", *run.log, f"numbers: {ledger.numbers()}"]))


def first_reply_at(run: Run, records: list[dict]) -> dict[str, float]:  # type: ignore[type-arg]
    """When Twilio took the first reply to each inbound message (by its MessageSid)."""
    taken: dict[str, float] = {}
    sent = run.sent
    for record in records:
        sid = (record["ref"] or "").rsplit(":", 1)[0]
        if sid in sent and sid not in taken:
            taken[sid] = record["t"]
    return taken


def out_of_order(run: Run, records: list[dict]) -> list[str]:  # type: ignore[type-arg]
    """Each learner's replies reach Twilio in the order of the messages they answer."""
    sent = run.sent
    places: dict[str, list[int]] = defaultdict(list)
    for record in sorted(records, key=lambda r: r["n"]):
        sid = (record["ref"] or "").rsplit(":", 1)[0]
        if sid in sent:
            places[sent[sid].number].append(sent[sid].index)
    wrong = [number for number, order in places.items() if order != sorted(order)]
    missing = {learner.number for learner in run.learners} - set(places)
    found = [f"{len(wrong)} learners' replies out of order"] if wrong else []
    return found + ([f"{len(missing)} learners got no reply at all"] if missing else [])


def public_ids(run: Run, topology: ScaleOut) -> dict[str, str]:
    """Each simulated learner's number -> the id Rasa knows them by."""
    settings = appside.settings_from(topology.env())
    snapshot = take(topology.database_url)
    by_hash = {row["phone_hash"]: row["public_id"] for row in snapshot.learners.values()}
    key = settings.secrets.phone_hash_key
    return {
        learner.number: by_hash[appside.phone_hash(learner.number, key)] for learner in run.learners
    }


def slow_failover(
    run: Run,
    topology: ScaleOut,
    records: list[dict],  # type: ignore[type-arg]
    killed_at: float,
    worker_killed_at: float,
) -> list[str]:
    """The killed server's learners: each message after the kill answered within 30 s.

    Messages from just before the kill (in flight on the dying server) count
    too; those that could still wait for the killed worker's lease do not.
    """
    ids = public_ids(run, topology)
    on_killed = {
        number
        for number, public_id in ids.items()
        if server_order(topology.rasa_urls, public_id)[0] == topology.rasa_urls[0]
    }
    answered_at = first_reply_at(run, records)
    waits = [
        answered_at.get(sid, float("inf")) - max(message.acked_at, killed_at)
        for sid, message in run.sent.items()
        if message.number in on_killed
        and message.acked_at is not None
        and killed_at - 10 <= message.acked_at <= worker_killed_at - FAILOVER_SECONDS
        and answered_at.get(sid, float("inf")) > killed_at
    ]
    if not on_killed or not waits:
        return ["no learner of the killed Rasa server wrote after the kill"]
    slowest = max(waits)
    run.log.append(f"after the Rasa kill: {len(waits)} answers, slowest {slowest:.1f} s")
    if slowest > FAILOVER_SECONDS:
        return [f"a learner of the killed Rasa server waited {slowest:.1f} s (> 30 s)"]
    return []


def both_servers_served(run: Run, topology: ScaleOut) -> bool:
    ids = public_ids(run, topology)
    firsts = {server_order(topology.rasa_urls, public_id)[0] for public_id in ids.values()}
    return firsts == set(topology.rasa_urls)
