"""Scenario 2: the highest sustained rate of learner turns through one Rasa server.

Bare Rasa: the REST channel driven directly, ``concurrency`` requests in
flight (each learner's messages strictly in order), until every learner's
conversation is done (or a time limit). lessonbot: the same K messages of
the same conversations (new learners, same order), posted through the signed
webhook into the web process at 200/s while the worker runs; the time runs
from the first post to the last message marked done with its replies in the
outbox. Same model, action server, database and mix of turns; bare Rasa runs
both unpatched (the baseline, its own server) and patched (the server
lessonbot uses, through rasa_runtime).
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from sqlalchemy.orm import Session, sessionmaker

from bench import conversation as conv
from bench.load import open_loop, percentile, signed_inbound
from bench.stack import PATCHED, Stack, tree_cpu_seconds
from bot.vocab import InboundStatus

POST_RATE = 200.0
# Issue 18: lessonbot through one Rasa server, against bare Rasa in the same run.
GOAL_TO_UNPATCHED = 2.0
GOAL_TO_PATCHED = 0.9


def cpu_seconds(stack: Stack, names: list[str]) -> dict[str, float]:
    return {name: tree_cpu_seconds(stack.pid(name)) for name in names if name in stack.processes}


def cpu_ms_per_turn(
    before: dict[str, float], after: dict[str, float], turns: int
) -> dict[str, float]:
    """CPU time each process used per turn (user + system), in milliseconds."""
    return {
        name: round(1000 * (after[name] - before[name]) / max(1, turns), 1)
        for name in after
        if name in before
    }


@dataclass
class Phases:
    """Hands out a fresh set of phone numbers to each phase of the run."""

    next: int = 10

    def take(self) -> int:
        self.next += 1
        return self.next


async def _bare(
    url: str, token: str, items: list[tuple[str, str]], seconds: float, concurrency: int
) -> dict[str, Any]:
    locks = {sender: asyncio.Lock() for sender, _ in items}
    queue = iter(items)
    latencies: list[float] = []
    replies = errors = 0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        started = time.monotonic()
        deadline = started + seconds

        async def client() -> None:
            nonlocal replies, errors
            for sender, text in queue:
                async with locks[sender]:
                    sent = time.monotonic()
                    metadata = {"channel": "sms", "language": "es"}  # as the worker sends
                    body = {"sender": sender, "message": text, "metadata": metadata}
                    async with session.post(url, json=body, params={"token": token}) as answer:
                        messages = await answer.json() if answer.status == 200 else None
                    latencies.append(time.monotonic() - sent)
                    if messages:
                        replies += len(messages)
                    else:
                        errors += 1
                if time.monotonic() >= deadline:
                    return

        await asyncio.gather(*(client() for _ in range(concurrency)))
        elapsed = time.monotonic() - started
    return {
        "turns": len(latencies),
        "seconds": round(elapsed, 2),
        "turns_per_s": round(len(latencies) / elapsed, 2),
        "replies_per_turn": round(replies / max(1, len(latencies)), 2),
        "errors": errors,
        "turn_p50_ms": round(1000 * percentile(latencies, 0.5)),
        "turn_p95_ms": round(1000 * percentile(latencies, 0.95)),
    }


def bare_rasa(
    stack: Stack,
    sessions: sessionmaker[Session],
    phases: Phases,
    learners: int,
    seconds: float,
    concurrency: int,
    server: str,
) -> dict[str, Any]:
    """Drive the REST channel of Rasa ``server`` until the conversations end or ``seconds`` pass."""
    settings = stack.settings
    ids = conv.add_learners(sessions, settings, conv.numbers(phases.take(), learners))
    items = conv.round_robin(list(ids.values()), conv.script(settings, stop=False))
    url = stack.rasa_url_of(server) + "/webhooks/rest/webhook"
    with stack.as_deployed_alone(server, "actions"):
        before = cpu_seconds(stack, [server, "actions"])
        result = asyncio.run(_bare(url, settings.rasa.token, items, seconds, concurrency))
        cpu = cpu_ms_per_turn(before, cpu_seconds(stack, [server, "actions"]), result["turns"])
    return (
        {"server": server, "concurrency": concurrency, "learners": learners}
        | result
        | {
            "all_conversations_done": result["turns"] == len(items),
            "cpu_ms_per_turn": cpu,
            "niceness_of_rasa": stack.niceness_note,
        }
    )


def lessonbot(
    stack: Stack,
    sessions: sessionmaker[Session],
    phases: Phases,
    learners: int,
    turns: int,
    fast_path: bool = True,
    workers: int = 1,
    profile: Any = None,
    rasa_servers: tuple[str, ...] = (PATCHED,),
    worker_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The first ``turns`` messages of ``learners`` conversations, through the whole app.

    ``rasa_servers``: the Rasa servers the workers share the learners between
    (``rasa.urls``, each learner on one of them).
    """
    settings = stack.settings
    phones = conv.numbers(phases.take(), learners)
    items = conv.round_robin(phones, conv.script(settings, stop=False))[:turns]
    requests = [
        signed_inbound(settings, stack.web_url, "/twilio/inbound", phone, text)
        for phone, text in items
    ]
    names = [f"worker{n}" if workers > 1 else "worker" for n in range(1, workers + 1)]
    probe_files = [stack.workdir / f"{name}-{time.monotonic_ns()}.json" for name in names]
    env = {
        "LESSONBOT_SENDER_RATE_PER_SECOND": str(settings.sender.rate_per_second / workers),
        "LESSONBOT_RASA_URLS": ",".join(stack.rasa_url_of(name) for name in rasa_servers),
    } | (worker_env or {})
    for name, out in zip(names, probe_files, strict=True):
        probe = ["--out", str(out)] + ([] if fast_path else ["--no-fast-path"])
        stack.start_worker(name, probe=probe, **env)
    inbound_before, outbox_before = conv.last_ids(sessions)
    watched = [*rasa_servers, "actions", "web", *names]
    before = cpu_seconds(stack, watched)
    if profile is not None:
        profile.start()
    outcomes = open_loop(requests, POST_RATE)
    started = min(outcome.scheduled for outcome in outcomes)
    posted = sum(1 for outcome in outcomes if outcome.status == 200)
    deadline = time.monotonic() + 30 + turns  # a stalled worker must not hang the run
    done = 0
    while time.monotonic() < deadline:
        done = conv.count_inbound(sessions, inbound_before, InboundStatus.DONE)
        failed = conv.count_inbound(sessions, inbound_before, InboundStatus.FAILED)
        if done + failed >= posted:
            break
        time.sleep(0.1)
    elapsed = time.monotonic() - started
    if profile is not None:
        profile.stop()
    cpu = cpu_ms_per_turn(before, cpu_seconds(stack, watched), done)
    for name in names:
        stack.stop(name)
    replies = conv.count_outbox(sessions, outbox_before)
    conv.cancel_backlog(sessions)
    return {
        "fast_path": fast_path,
        "workers": workers,
        "rasa_servers": len(rasa_servers),
        "learners": learners,
        "turns": done,
        "posted": posted,
        "seconds": round(elapsed, 2),
        "turns_per_s": round(done / elapsed, 2),
        "replies_per_turn": round(replies / max(1, done), 2),
        "cpu_ms_per_turn": cpu,
        "worker_timings": _merge([json.loads(p.read_text())["timings"] for p in probe_files]),
    }


def _merge(timings: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """One worker's timings as they are; several workers' means weighted by count."""
    if len(timings) == 1:
        return {name: {k: round(v, 2) for k, v in row.items()} for name, row in timings[0].items()}
    merged: dict[str, dict[str, float]] = {}
    for name in {name for timing in timings for name in timing}:
        rows = [timing[name] for timing in timings if name in timing]
        count = sum(row["count"] for row in rows)
        total = sum(row["total_s"] for row in rows)
        merged[name] = {"count": count, "mean_ms": round(1000 * total / count, 2)}
    return merged


def ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 3) if denominator else float("nan")


def pooled_rate(runs: list[dict[str, Any]]) -> float:
    """Turns per second over several runs: all their turns over all their time."""
    return round(sum(r["turns"] for r in runs) / sum(r["seconds"] for r in runs), 2)


def server_summary(rows: dict[str, list[dict[str, Any]]]) -> dict[str, float]:
    """The production stores' rows (``bench.run.SERVER_ROWS``) over all their rounds; ratios.

    ``rows`` maps a row's key to its runs; a key missing (runs made before
    the row existed) leaves its figures out.
    """
    rates = {key: pooled_rate(runs) for key, runs in rows.items() if runs}
    bare, one = rates["bare"], rates["one"]
    summary = {
        "bare_patched_turns_per_s": bare,
        "one_server_turns_per_s": one,
        "ratio_one_to_bare_patched": ratio(one, bare),
    }
    if "one_fast" in rates:
        summary["one_server_fast_path_turns_per_s"] = rates["one_fast"]
        summary["ratio_one_fast_path_to_bare_patched"] = ratio(rates["one_fast"], bare)
    if "two" in rates:
        summary["two_servers_turns_per_s"] = rates["two"]
        summary["ratio_two_to_one"] = ratio(rates["two"], one)
    return summary


def summary_rounds(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Turns per second over all rounds (total turns / total time) and the ratios.

    ``ratio_*``: to bare Rasa unpatched (the baseline); ``ratio_*_to_patched``:
    to bare Rasa patched, the same Rasa lessonbot runs on.
    """

    def rate(key: str) -> float:
        return pooled_rate([r[key] for r in rounds])

    def rasa_cpu_ms(key: str) -> float:
        """Rasa's CPU per turn over the rounds (less swayed by a busy host than turns/s)."""
        runs = [r[key] for r in rounds]
        used = sum(r["cpu_ms_per_turn"][r["server"]] * r["turns"] for r in runs)
        return round(used / max(1, sum(r["turns"] for r in runs)), 1)

    bare, patched = rate("bare_rasa"), rate("bare_rasa_patched")
    fast, slow = rate("lessonbot_fast_path"), rate("lessonbot_nlu_only")
    return {
        "rasa_cpu_ms_per_turn_bare_unpatched": rasa_cpu_ms("bare_rasa"),
        "rasa_cpu_ms_per_turn_bare_patched": rasa_cpu_ms("bare_rasa_patched"),
        "bare_rasa_turns_per_s": bare,
        "bare_rasa_patched_turns_per_s": patched,
        "lessonbot_fast_path_turns_per_s": fast,
        "lessonbot_nlu_only_turns_per_s": slow,
        "ratio_patched_bare": ratio(patched, bare),
        "ratio_fast_path": ratio(fast, bare),
        "ratio_nlu_only": ratio(slow, bare),
        "ratio_fast_path_to_patched": ratio(fast, patched),
        "ratio_nlu_only_to_patched": ratio(slow, patched),
        "goal_ratio": GOAL_TO_UNPATCHED,
        "goal_ratio_to_patched": GOAL_TO_PATCHED,
    }
