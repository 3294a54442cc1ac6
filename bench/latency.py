"""Scenario 3: time to the learner, from the webhook POST to the reply at Twilio.

The real `lessonbot worker` (Twilio channel, pointed at the stand-in) runs
behind the web process. Signed posts arrive open loop at a moderate rate;
each reply reaches the stand-in with its outbox key (``MessageSid:index``) on
the status callback URL, which ties it to the post it answers. Times are
``time.monotonic()`` in both processes (one clock on one machine), measured
from the post's scheduled time.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bench import conversation as conv
from bench import replies
from bench.load import open_loop, percentile, signed_inbound
from bench.stack import Stack
from bench.throughput import Phases
from bot.vocab import InboundStatus

# The worker's send limit in this phase: Twilio's highest per-sender rate.
# At the default 10/s the replies (about 1.6 a message) outran the limit above
# about 6 messages/s and the phase measured the provider's queue, not lessonbot.
SENDER_RATE = 100.0


def time_to_learner(
    stack: Stack,
    sessions: sessionmaker[Session],
    phases: Phases,
    rate: float,
    seconds: float,
    learners: int,
) -> dict[str, Any]:
    settings = stack.settings
    phones = conv.numbers(phases.take(), learners)
    items = conv.round_robin(phones, conv.script(settings))[: int(rate * seconds)]
    requests = [
        signed_inbound(settings, stack.web_url, "/twilio/inbound", phone, text)
        for phone, text in items
    ]
    stack.start_worker("worker", LESSONBOT_SENDER_RATE_PER_SECOND=str(SENDER_RATE))
    since = replies.standin_count(stack.standin_url)
    inbound_before, outbox_before = conv.last_ids(sessions)
    try:
        outcomes = open_loop(requests, rate)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = conv.count_inbound(sessions, inbound_before, InboundStatus.DONE)
            written = conv.count_outbox(sessions, outbox_before)
            arrived = replies.standin_records(stack.standin_url, since)
            if done >= len(requests) and len(arrived) >= written:
                break
            time.sleep(0.2)
    finally:
        stack.stop("worker")
    conv.cancel_backlog(sessions)
    to_first = list(replies.reply_seconds(outcomes, arrived).values())
    to_last = list(replies.reply_seconds(outcomes, arrived, last=True).values())
    return {
        "rate_per_s": rate,
        "sender_limit_per_s": SENDER_RATE,
        "posts": len(requests),
        "learners": learners,
        "post_errors": sum(1 for outcome in outcomes if outcome.status != 200),
        "answered": len(to_first),
        "replies": len(arrived),
        "first_reply_p50_ms": round(1000 * percentile(to_first, 0.50)),
        "first_reply_p95_ms": round(1000 * percentile(to_first, 0.95)),
        "first_reply_max_ms": round(1000 * max(to_first, default=float("nan"))),
        "last_reply_p50_ms": round(1000 * percentile(to_last, 0.50)),
        "last_reply_p95_ms": round(1000 * percentile(to_last, 0.95)),
        "auth_ok": all(record["auth_ok"] for record in arrived),
        "goal_p95_ms": 1000,
    }
