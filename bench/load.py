"""Load generators: an open-loop, fixed-rate schedule of signed webhook posts.

Open loop: request i is sent at ``start + i / rate`` whether or not earlier
ones were answered, as Twilio delivers messages, and its latency is measured
from that scheduled time, so a slow server cannot slow the load down and hide
its own queueing (coordinated omission). Requests that get no answer within
15 s count as Twilio timeouts (Twilio gives up on a webhook after 15 s).
The client is aiohttp on asyncio, in the benchmark's own process; the
requests' bodies and signatures are prepared before the clock starts.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp
from twilio.request_validator import RequestValidator

from bot.settings import Settings
from tests.builders import inbound_form

TWILIO_TIMEOUT_SECONDS = 15.0
FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass(frozen=True)
class Prepared:
    url: str
    body: bytes
    headers: dict[str, str]
    key: str  # the MessageSid


@dataclass(frozen=True)
class Outcome:
    key: str
    scheduled: float  # time.monotonic() of the schedule
    sent: float
    done: float
    status: int | None
    error: str | None

    @property
    def latency(self) -> float:
        return self.done - self.scheduled


def signed_inbound(
    settings: Settings, base_url: str, path: str, number: str, body: str
) -> Prepared:
    """One Twilio inbound post, signed as Twilio signs it (over the public URL)."""
    form = inbound_form(body, number=number)
    signature = RequestValidator(settings.twilio.auth_token).compute_signature(
        settings.app.public_url.rstrip("/") + "/twilio/inbound", form
    )
    return Prepared(
        url=base_url + path,
        body=urlencode(form).encode(),
        headers=FORM_HEADERS | {"X-Twilio-Signature": signature},
        key=form["MessageSid"],
    )


async def _one(session: aiohttp.ClientSession, request: Prepared, scheduled: float) -> Outcome:
    sent = time.monotonic()
    status: int | None = None
    error: str | None = None
    try:
        async with session.post(request.url, data=request.body, headers=request.headers) as answer:
            await answer.read()
            status = answer.status
    except TimeoutError:
        error = "timeout"
    except aiohttp.ClientError as failure:
        error = type(failure).__name__
    return Outcome(request.key, scheduled, sent, time.monotonic(), status, error)


async def _open_loop(requests: list[Prepared], rate: float, timeout: float) -> list[Outcome]:
    connector = aiohttp.TCPConnector(limit=0)
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=client_timeout) as session:
        start = time.monotonic() + 0.1
        tasks = []
        for index, request in enumerate(requests):
            scheduled = start + index / rate
            delay = scheduled - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_one(session, request, scheduled)))
        return list(await asyncio.gather(*tasks))


def open_loop(
    requests: list[Prepared], rate: float, timeout: float = TWILIO_TIMEOUT_SECONDS
) -> list[Outcome]:
    """Send ``requests`` at ``rate`` per second, open loop; return every outcome."""
    return asyncio.run(_open_loop(requests, rate, timeout))


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summarise(outcomes: list[Outcome], rate: float, timeout: float = TWILIO_TIMEOUT_SECONDS) -> Any:
    """p50/p99 from the schedule, errors, answers over 15 s, and how well the load kept time."""
    latencies = [timeout if outcome.error == "timeout" else outcome.latency for outcome in outcomes]
    ok = [o for o in outcomes if o.status is not None and 200 <= o.status < 300]
    errors = [o for o in outcomes if o.error != "timeout" and not (o.status and o.status < 300)]
    over = sum(1 for value in latencies if value >= TWILIO_TIMEOUT_SECONDS)
    span = max(o.scheduled for o in outcomes) - min(o.scheduled for o in outcomes)
    p99 = percentile(latencies, 0.99)
    return {
        "rate_per_s": rate,
        "requests": len(outcomes),
        "duration_s": round(span, 1),
        "ok": len(ok),
        "errors": len(errors),
        "error_kinds": sorted({o.error or f"HTTP {o.status}" for o in errors}),
        "over_15s": over,
        "p50_ms": round(1000 * percentile(latencies, 0.50), 1),
        "p99_ms": round(1000 * p99, 1),
        # p99 at the 15 s cut-off means "15 s or more": Twilio stopped waiting.
        "p99_censored": p99 >= timeout,
        "max_ms": round(1000 * max(latencies), 1),
        "load_lag_p99_ms": round(1000 * percentile([o.sent - o.scheduled for o in outcomes], 0.99)),
    }
