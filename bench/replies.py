"""Which posts got an answer at Twilio, and how long after they were sent.

Each reply that reaches the stand-in carries the MessageSid of the post it
answers in its status callback (``?ref=<MessageSid>:<n>``): lessonbot's
sender puts the outbox key there, and the benchmark's Rasa process tags the
connector's replies the same way (``rasa_site/sitecustomize.py``). A post
counts as answered within T when its first reply arrived within T seconds
of the post's scheduled time (``time.monotonic()``: one clock on one machine).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from bench.load import Outcome, percentile

# Twilio waits 15 s for the webhook's answer; a minute is what a learner on a
# phone still reads as "it answered me".
WITHIN_SECONDS = (15, 60)


def standin_count(standin_url: str) -> int:
    return int(httpx.get(f"{standin_url}/_bench/records?since=999999999").json()["count"])


def standin_records(standin_url: str, since: int) -> list[dict[str, Any]]:
    answer = httpx.get(f"{standin_url}/_bench/records", params={"since": since})
    return list(answer.json()["records"])


def reply_seconds(
    outcomes: Iterable[Outcome], records: Iterable[dict[str, Any]], last: bool = False
) -> dict[str, float]:
    """Seconds from each answered post's scheduled time to its first (or last) reply."""
    scheduled = {outcome.key: outcome.scheduled for outcome in outcomes}
    pick = max if last else min
    arrived: dict[str, float] = {}
    for record in records:
        sid = (record.get("ref") or "").split(":")[0]
        if sid in scheduled:
            arrived[sid] = pick(arrived.get(sid, record["t"]), record["t"])
    return {sid: t - scheduled[sid] for sid, t in arrived.items()}


def delivered(outcomes: list[Outcome], records: list[dict[str, Any]]) -> dict[str, Any]:
    """How many posts were answered within 15 s and within 60 s, and the replies counted."""
    seconds = reply_seconds(outcomes, records)
    summary: dict[str, Any] = {"posts": len(outcomes), "replies_at_twilio": len(records)}
    for limit in WITHIN_SECONDS:
        answered = sum(1 for value in seconds.values() if value <= limit)
        summary[f"answered_within_{limit}s"] = answered
        summary[f"share_within_{limit}s"] = round(answered / max(len(outcomes), 1), 3)
    summary["answered_at_all"] = len(seconds)
    p50 = percentile(list(seconds.values()), 0.50)
    summary["first_reply_p50_s"] = None if math.isnan(p50) else round(p50, 2)
    return summary


def wait_until(done: Callable[[], bool], limit: float, step: float = 0.5) -> float | None:
    """Seconds until ``done()`` held, or None when it still did not after ``limit``."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        if done():
            return round(time.monotonic() - started, 1)
        time.sleep(step)
    return None
