"""Scenario 1: under a sustained open-loop load, how fast Twilio gets its answer
and which posts the learners get a reply to, within 15 s, 60 s or at all.

lessonbot: signed posts to ``/twilio/inbound`` of the web process (gunicorn,
2 workers of 8 threads, as `lessonbot up` runs it) on SQLite while the real worker
turns the stored messages into replies behind it, as deployed on one
machine. After each rate the worker drains its backlog (up to
``DRAIN_LIMIT_SECONDS``; what is left then is settled and counted as not
answered), so that the next rate starts clean. Then the same web process alone
on PostgreSQL (the production database), in a database of its own.

Rasa's Twilio connector: the same posts to ``/webhooks/twilio/webhook`` of the
run's unpatched Rasa server (same model, as a deployer of plain Rasa runs
it), which runs the whole turn (NLU, policies, actions, the
reply's ``messages.create`` to the stand-in) before it answers. Its
learners exist in the app database with their number as conversation id, so
that the custom actions do the same work as for lessonbot's learners.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from bench import conversation as conv
from bench import latency, replies
from bench.load import open_loop, signed_inbound, summarise
from bench.postgres import PostgresUnavailable, scratch_database
from bench.stack import UNPATCHED, Stack, free_port
from bench.throughput import Phases
from bot.migrate import upgrade
from bot.vocab import InboundStatus

SECONDS_PER_LEARNER_MESSAGE = 5.0  # each learner writes every 5 s: many learners
# How long lessonbot's worker may take to work off a rate's backlog before the
# rest is cancelled (and counted as not answered): 4,000 posts at about 20
# turns a second take some 200 s on these 2 cores.
DRAIN_LIMIT_SECONDS = 420.0


def _requests(
    stack: Stack, base_url: str, path: str, phones: list[str], rate: float, seconds: float
) -> list[Any]:
    items = conv.round_robin(phones, conv.script(stack.settings))[: int(rate * seconds)]
    return [signed_inbound(stack.settings, base_url, path, p, text) for p, text in items]


def lessonbot(
    stack: Stack,
    sessions: sessionmaker[Session],
    phases: Phases,
    rates: list[float],
    seconds: float,
) -> list[dict[str, Any]]:
    """Each rate's posts, then the worker left to drain its backlog: what the learners got.

    The worker sends at Twilio's highest per-sender rate, as in the
    time-to-the-learner phase: at the default 10/s the replies would queue
    behind the provider's limit and the rows would measure that limit.
    """
    results = []
    stack.start_worker("worker", LESSONBOT_SENDER_RATE_PER_SECOND=str(latency.SENDER_RATE))
    try:
        for rate in rates:
            phones = conv.numbers(phases.take(), int(rate * SECONDS_PER_LEARNER_MESSAGE))
            requests = _requests(stack, stack.web_url, "/twilio/inbound", phones, rate, seconds)
            inbound_before, outbox_before = conv.last_ids(sessions)
            since = replies.standin_count(stack.standin_url)
            outcomes = open_loop(requests, rate)
            load_over = time.monotonic()
            stored = conv.count_inbound(sessions, inbound_before, InboundStatus.PENDING)
            stored += conv.count_inbound(sessions, inbound_before, InboundStatus.DONE)
            summary = summarise(outcomes, rate)
            summary["stored"] = stored
            summary["answered_by_worker_meanwhile"] = conv.count_inbound(
                sessions, inbound_before, InboundStatus.DONE
            )
            drained = partial(_drained, stack, sessions, inbound_before, outbox_before, since)
            waited = replies.wait_until(drained, DRAIN_LIMIT_SECONDS)
            summary["drain_s"] = None if waited is None else round(time.monotonic() - load_over, 1)
            summary["drain_limit_s"] = DRAIN_LIMIT_SECONDS
            summary |= replies.delivered(
                outcomes, replies.standin_records(stack.standin_url, since)
            )
            summary["web_settle_s"] = _settle_web(stack, "web", stack.web_url)
            summary["settled_backlog"] = conv.cancel_backlog(sessions)
            results.append(summary)
    finally:
        stack.stop("worker")
    conv.cancel_backlog(sessions)
    return results


def _drained(
    stack: Stack,
    sessions: sessionmaker[Session],
    inbound_before: int,
    outbox_before: int,
    since: int,
) -> bool:
    """Every post of the rate handled and every reply written has reached Twilio."""
    pending = conv.count_inbound(sessions, inbound_before, InboundStatus.PENDING)
    written = conv.count_outbox(sessions, outbox_before)
    return pending == 0 and replies.standin_count(stack.standin_url) - since >= written


def lessonbot_postgres(
    stack: Stack,
    phases: Phases,
    rates: list[float],
    seconds: float,
) -> list[dict[str, Any]] | str:
    """The web process alone on PostgreSQL (the production database), in a database of its own."""
    try:
        with scratch_database("lessonbot_bench") as url:
            return _on_postgres(stack, phases, rates, seconds, url)
    except PostgresUnavailable as error:
        return f"skipped: PostgreSQL unavailable ({error})"


def _on_postgres(
    stack: Stack, phases: Phases, rates: list[float], seconds: float, url: str
) -> list[dict[str, Any]]:
    results = []
    try:
        upgrade(stack.settings.with_overrides({"app.database_url": url}))
        web = stack.start_web("web-pg", port=free_port(), LESSONBOT_DATABASE_URL=url)
        for rate in rates:
            phones = conv.numbers(phases.take(), int(rate * SECONDS_PER_LEARNER_MESSAGE))
            requests = _requests(stack, web, "/twilio/inbound", phones, rate, seconds)
            summary = summarise(open_loop(requests, rate), rate)
            summary["web_settle_s"] = _settle_web(stack, "web-pg", web, LESSONBOT_DATABASE_URL=url)
            results.append(summary)
    finally:
        stack.stop("web-pg")
    return results


def rasa_connector(
    stack: Stack,
    sessions: sessionmaker[Session],
    phases: Phases,
    rates: list[float],
    seconds: float,
) -> list[dict[str, Any]]:
    """Rasa's Twilio connector on the unpatched Rasa: what a deployer of plain Rasa runs.

    Its replies go to Twilio from inside the webhook request, tagged with the
    post they answer by the benchmark's ``sitecustomize``; after the load,
    the run waits until Rasa is idle again, so a reply sent late still counts.
    """
    results = []
    for rate in rates:
        phones = conv.numbers(phases.take(), int(rate * SECONDS_PER_LEARNER_MESSAGE))
        conv.add_learners(sessions, stack.settings, phones, public_id_is_number=True)
        requests = _requests(
            stack, stack.rasa_url_of(UNPATCHED), "/webhooks/twilio/webhook", phones, rate, seconds
        )
        since = replies.standin_count(stack.standin_url)
        with stack.as_deployed_alone(UNPATCHED, "actions"):
            outcomes = open_loop(requests, rate)
            summary = summarise(outcomes, rate)
            summary["settle_seconds"] = round(_settle(stack), 1)
        summary |= replies.delivered(outcomes, replies.standin_records(stack.standin_url, since))
        summary["niceness_of_rasa"] = stack.niceness_note
        results.append(summary)
    return results


def _settle_web(stack: Stack, name: str, url: str, **env: str) -> float | str:
    """Let the web process finish what is still queued; restart it if that takes long.

    gunicorn's workers go on serving requests whose client (Twilio)
    gave up long ago; the next phase must not pay for them.
    """
    started = time.monotonic()
    while time.monotonic() - started < 20:
        try:
            sent = time.monotonic()
            httpx.get(f"{url}/healthz", timeout=5)
            if time.monotonic() - sent < 0.1:
                time.sleep(1)
                return round(time.monotonic() - started, 1)
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stack.stop(name)
    stack.start_web(name, port=int(url.rsplit(":", 1)[1]), **env)
    return "restarted: abandoned requests still queued after 20 s"


def _settle(stack: Stack, limit: float = 90) -> float:
    """Wait until Rasa answers its status quickly again (the overload has drained)."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        try:
            sent = time.monotonic()
            httpx.get(f"{stack.rasa_url_of(UNPATCHED)}/", timeout=5)
            if time.monotonic() - sent < 0.2:
                break
        except httpx.HTTPError:
            pass
        time.sleep(1)
    return time.monotonic() - started


def ratios(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Connector p99 / lessonbot p99 at each rate (goal: at least 10)."""
    rows = []
    for mine, other in zip(ours, theirs, strict=True):
        rows.append(
            {
                "rate_per_s": mine["rate_per_s"],
                "p99_ratio": round(other["p99_ms"] / max(mine["p99_ms"], 0.1), 1),
                "p99_ratio_is_lower_bound": other["p99_censored"],
                "goal": 10,
            }
        )
    return rows
