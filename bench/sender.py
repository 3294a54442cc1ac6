"""Scenario 4: the sender against a fast Twilio stand-in, at its configured limit.

A backlog of replies waits in the outbox; the real `lessonbot worker` starts
with ``LESSONBOT_SENDER_RATE_PER_SECOND`` set, and sends them through the
Twilio channel to the stand-in. From the stand-in's receive times: the
sustained rate (sends after the first, over the time they took), the most
sends in any calendar second from the first send, and the most in any
sliding one-second window. The worker runs with bench.probe's stopwatches
(``bot.messaging.worker.run_forever`` unchanged), to show where a send's time goes,
and the unlimited run under py-spy.
"Unlimited" is a limit far above what one sender
can do: it shows the sender's own ceiling.
"""

from __future__ import annotations

import bisect
import json
import time
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bench import conversation as conv
from bench.profile import Profiler
from bench.stack import Stack, tree_cpu_seconds
from bench.throughput import Phases
from bot.models import OutboxMessage
from bot.vocab import LearnerStatus, OutboxStatus

UNLIMITED = 100_000.0


def sender(
    stack: Stack,
    sessions: sessionmaker[Session],
    phases: Phases,
    limit: float,
    seconds: float,
    max_messages: int,
    experiment: bool = False,
    profile: bool = False,
) -> dict[str, Any]:
    phones = conv.numbers(phases.take(), 50)
    learners = conv.add_learners(sessions, stack.settings, phones, status=LearnerStatus.ACTIVE)
    count = int(min(max_messages, limit * seconds))
    tag = f"{phases.next}"
    conv.fill_outbox(sessions, learners, count, tag)
    since = int(httpx.get(f"{stack.standin_url}/_bench/records?since=999999999").json()["count"])
    timings = stack.workdir / f"sender-{tag}.json"
    probe = ["--out", str(timings)] + (["--sqlite-synchronous-normal"] if experiment else [])
    stack.start_worker("worker", probe=probe, LESSONBOT_SENDER_RATE_PER_SECOND=str(limit))
    profiler = Profiler(stack.workdir, lambda: {"worker": stack.pid("worker")}) if profile else None
    cpu_before = tree_cpu_seconds(stack.pid("worker"))
    try:
        if profiler:
            profiler.start()
        deadline = time.monotonic() + 3 * seconds + 30
        while time.monotonic() < deadline and _pending(sessions, tag):
            time.sleep(0.2)
        cpu = tree_cpu_seconds(stack.pid("worker")) - cpu_before
    finally:
        if profiler:
            profiler.stop()
        stack.stop("worker")
    conv.cancel_backlog(sessions)
    answer = httpx.get(f"{stack.standin_url}/_bench/records", params={"since": since}).json()
    times = sorted(
        r["t"] for r in answer["records"] if (r.get("ref") or "").startswith(f"bench-{tag}-")
    )
    cap = None if limit >= UNLIMITED else limit
    result: dict[str, Any] = {"limit_per_s": "unlimited" if cap is None else limit}
    if experiment:
        result["experiment"] = "SQLite synchronous=NORMAL (not the app's setting)"
    result |= per_second(times, cap)
    result["worker_cpu_ms_per_send"] = round(1000 * cpu / max(1, len(times)), 1)
    if profiler:
        result["profile"] = profiler.summary(len(times)).get("worker")
    probe = json.loads(timings.read_text()) if timings.exists() else {}
    steps = probe.get("timings", {})
    result["mean_ms"] = {name: round(row["mean_ms"], 2) for name, row in steps.items()}
    # The same check on the sender's own clock: what the pacer did, before
    # the loopback hop and the stand-in's scheduling add their jitter.
    at_sender = per_second(sorted(probe.get("send_starts", [])), cap)
    result["at_sender"] = {k: v for k, v in at_sender.items() if k.startswith(("max", "never"))}
    return result


def _pending(sessions: sessionmaker[Session], tag: str) -> int:
    with sessions() as session:
        query = select(func.count()).where(
            OutboxMessage.idempotency_key.like(f"bench-{tag}-%"),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        return int(session.scalar(query) or 0)


def per_second(times: list[float], limit: float | None) -> dict[str, Any]:
    """Sustained rate and the busiest seconds, from arrival times."""
    if len(times) < 2:
        return {"sent": len(times)}
    span = times[-1] - times[0]
    sustained = (len(times) - 1) / span
    buckets: dict[int, int] = {}
    for t in times:
        second = int(t - times[0])
        buckets[second] = buckets.get(second, 0) + 1
    full = [buckets.get(s, 0) for s in range(int(span))]  # the last, partial second left out
    sliding = max(bisect.bisect_left(times, t + 1.0) - i for i, t in enumerate(times))
    result: dict[str, Any] = {
        "sent": len(times),
        "seconds": round(span, 2),
        "sustained_per_s": round(sustained, 2),
        "max_in_a_second": max(full) if full else len(times),
        "min_in_a_full_second": min(full) if full else None,
        "max_in_any_sliding_second": sliding,
    }
    if limit is not None:
        result["within_5pct"] = abs(sustained - limit) <= 0.05 * limit
        result["never_exceeded"] = result["max_in_a_second"] <= limit
        result["never_exceeded_sliding"] = sliding <= limit
    return result
