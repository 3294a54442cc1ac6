"""`lessonbot worker` with stopwatches: where a turn's time goes, seen from the worker.

    python -m bench.probe --out FILE [--no-fast-path]

Runs ``worker.run_forever`` unchanged, with timers wrapped around the
functions a turn is made of (the claim, the call to Rasa, writing the replies,
and the whole ``run_turn`` with its commits; the sender's batch claims and
records), and writes their totals to FILE
when the worker stops (SIGTERM), with the time each send to Twilio started.
``--no-fast-path`` sends every message through NLU (only slashes are
stripped), to measure what the fast path saves. With ``BENCH_YAPPI_OUT=FILE``
in the environment, yappi profiles every thread's CPU time and saves it to
FILE (pstats format) when the worker stops: for hosts where py-spy cannot
attach. yappi traces every call, so it roughly triples the worker's CPU; read
its shares, not its milliseconds.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bot.db
from bot.db import _configure_sqlite as configure_sqlite
from bot.inbox.desk import DESK
from bot.messaging import sender as sending
from bot.messaging import turns, worker
from bot.messaging.channels.twilio import TwilioChannel
from bot.messaging.keywords import NOTHING_TO_UNDERSTAND, escape
from bot.messaging.rasa_client import RasaClient
from bot.settings import load_settings

TIMINGS: dict[str, list[float]] = {}
SEND_STARTS: list[float] = []  # time.monotonic() as each send to Twilio starts


def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """Time each call that did some work (an empty poll, None or [], is not counted)."""
    samples = TIMINGS.setdefault(name, [])

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        result = function(*args, **kwargs)
        if result is not None and result != []:
            samples.append(time.perf_counter() - started)
        return result

    return wrapper


def timed_always(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """Time every call (for functions that return None)."""
    samples = TIMINGS.setdefault(name, [])

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            samples.append(time.perf_counter() - started)

    return wrapper


def stamped(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        SEND_STARTS.append(time.monotonic())
        return function(*args, **kwargs)

    return wrapper


def synchronous_normal(dbapi_connection: Any, _record: Any) -> None:
    """The app's SQLite set-up, plus ``synchronous=NORMAL``: WAL commits without fsync."""
    configure_sqlite(dbapi_connection, _record)
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


def without_fast_path(body: str | None) -> str:
    """``bot.messaging.keywords.rasa_text`` minus the fast path."""
    return escape(body or "") or NOTHING_TO_UNDERSTAND


def summary() -> dict[str, dict[str, float]]:
    result = {}
    for name, samples in TIMINGS.items():
        ordered = sorted(samples)
        if not ordered:
            continue
        result[name] = {
            "count": len(ordered),
            "mean_ms": 1000 * sum(ordered) / len(ordered),
            "p50_ms": 1000 * ordered[len(ordered) // 2],
            "p95_ms": 1000 * ordered[int(len(ordered) * 0.95)],
            "total_s": sum(ordered),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--no-fast-path", action="store_true")
    parser.add_argument(
        "--sqlite-synchronous-normal",
        action="store_true",
        help="an experiment: what the sender does when a commit does not wait for the disk",
    )
    args = parser.parse_args()
    if args.sqlite_synchronous_normal:
        bot.db._configure_sqlite = synchronous_normal
    if args.no_fast_path:
        turns.rasa_text = without_fast_path  # type: ignore[assignment]
    worker.claim_turns = timed("claim", worker.claim_turns)  # type: ignore[assignment]
    turns.finish_turn = timed("write replies", turns.finish_turn)  # type: ignore[assignment]
    RasaClient.send_message = timed("rasa call", RasaClient.send_message)  # type: ignore[method-assign]
    worker.run_claimed = timed("turn (all)", worker.run_claimed)  # type: ignore[assignment]
    sending.Sender._claim = timed("send: claim a batch", sending.Sender._claim)  # type: ignore[method-assign]
    sending.Sender._record = timed("send: record a batch", sending.Sender._record)  # type: ignore[method-assign]
    TwilioChannel.send = stamped(timed("send: HTTP to Twilio", TwilioChannel.send))  # type: ignore[method-assign]
    sending.Pacer.wait = timed_always("send: pacing wait", sending.Pacer.wait)  # type: ignore[method-assign]
    profile_out = os.environ.get("BENCH_YAPPI_OUT")
    if profile_out:
        import yappi

        yappi.set_clock_type("cpu")
        yappi.start(profile_threads=True)
    try:
        worker.run_forever(load_settings(), DESK)
    finally:
        args.out.write_text(json.dumps({"timings": summary(), "send_starts": SEND_STARTS}))
        if profile_out:
            yappi.stop()
            yappi.get_func_stats().save(profile_out, type="pstat")


if __name__ == "__main__":
    main()
