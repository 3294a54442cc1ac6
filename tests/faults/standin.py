"""A Twilio stand-in with programmable faults, in a process of its own.

    TWILIO_AUTH_TOKEN=... python -m tests.faults.standin --port N --account AC...

It is Twilio's network edge for the fault suite: the Messages API the sender
calls, and the status callbacks Twilio makes to the web process afterwards.

- ``POST /2010-04-01/Accounts/{sid}/Messages.json`` answers as the current
  plan says: 201 with a Message resource (``bench.standin.message_resource``,
  checked against Twilio's OpenAPI description), or a fault: 429 with a
  ``Retry-After`` of "inf", "1e12", "-5" or nonsense, 500, 503 with an HTML
  body, a timeout before or after taking the message, a 201 whose JSON is cut
  off. Every message it *took* is recorded (time, recipient, body, the outbox
  key carried on the callback URL as ``?ref=``): that is what a learner's
  phone gets, duplicates included.
- Each taken message gets a signed ``delivered`` status callback after the
  plan's ``callback_delay`` (later than the sender's lease, in one scenario).
- ``GET .../Messages.json?To=`` and ``GET .../Messages/{sid}.json`` read back
  what was taken, as Twilio's API does, for a sender that wants to reconcile.
- ``POST /_faults/plan``, ``GET /_faults/records?since=N``, ``GET /_faults/stats``
  are for the test.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import yarl
from aiohttp import web
from twilio.request_validator import RequestValidator

from bench.standin import MESSAGES_PATH, message_resource

MESSAGE_PATH = "/2010-04-01/Accounts/{account}/Messages/{sid}.json"
# Longer than the app's Twilio timeout (15 s), so that the sender gives up first.
TIMEOUT_HOLD_SECONDS = 17.0
KINDS = (
    "ok",
    "http_429",
    "http_500",
    "http_503_html",
    "timeout_before",  # nothing taken; no answer in time
    "timeout_after",  # taken, then no answer in time: a retry sends it twice
    "malformed_201",  # taken; the JSON answer is cut off
)
TAKEN_KINDS = frozenset({"ok", "timeout_after", "malformed_201"})


@dataclass
class Plan:
    """What the stand-in answers: fault kinds by weight (the rest: ok), and callback timing."""

    weights: dict[str, float] = field(default_factory=dict)
    retry_after: list[str] = field(default_factory=lambda: ["1"])
    callback_delay: float = 0.3
    # Seconds between taking a message and answering (Twilio: 0.1-0.3 s): a
    # sender killed meanwhile never learns that the message was taken.
    answer_delay: float = 0.0
    seed: int = 0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        unknown = set(data.get("weights", {})) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}")
        return cls(
            weights={k: float(v) for k, v in data.get("weights", {}).items()},
            retry_after=[str(v) for v in data.get("retry_after", ["1"])],
            callback_delay=float(data.get("callback_delay", 0.3)),
            answer_delay=float(data.get("answer_delay", 0.0)),
            seed=int(data.get("seed", 0)),
        )


def _twilio_error(status: int, code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "more_info": "", "status": status}


class StandIn:
    def __init__(self, account: str, auth_token: str) -> None:
        self.account = account
        self.auth_token = auth_token
        self.validator = RequestValidator(auth_token)
        self.plan = Plan()
        self.rng = random.Random(0)
        self.records: list[dict[str, Any]] = []
        self.resources: dict[str, dict[str, Any]] = {}
        self.requests: Counter[str] = Counter()
        self.callbacks = Counter[str]()
        self.callback_errors: list[str] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._client: aiohttp.ClientSession | None = None

    # --- Twilio's API ---------------------------------------------------------

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return user == self.account and password == self.auth_token

    async def create_message(self, request: web.Request) -> web.StreamResponse:
        if not self._authorised(request) or request.match_info["account"] != self.account:
            return web.json_response(_twilio_error(401, 20003, "Authenticate"), status=401)
        form = {key: str(value) for key, value in (await request.post()).items()}
        kind = self._choose()
        self.requests[kind] += 1
        if kind == "http_429":
            return web.json_response(
                _twilio_error(429, 20429, "Too Many Requests"),
                status=429,
                headers={"Retry-After": self.rng.choice(self.plan.retry_after)},
            )
        if kind == "http_500":
            return web.json_response(_twilio_error(500, 20500, "Internal Server Error"), status=500)
        if kind == "http_503_html":
            return web.Response(status=503, text="<html><h1>503 Service Unavailable</h1>")
        if kind == "timeout_before":
            await asyncio.sleep(TIMEOUT_HOLD_SECONDS)
            return web.json_response(_twilio_error(500, 20500, "late"), status=500)
        resource = self._take(form)
        if self.plan.answer_delay:
            await asyncio.sleep(self.plan.answer_delay)
        if kind == "timeout_after":
            await asyncio.sleep(TIMEOUT_HOLD_SECONDS)
        if kind == "malformed_201":
            return web.Response(status=201, text='{"sid": "' + resource["sid"][:10])
        return web.json_response(resource, status=201)

    def _choose(self) -> str:
        pick = self.rng.random()
        for kind, weight in self.plan.weights.items():
            if pick < weight:
                return kind
            pick -= weight
        return "ok"

    def _take(self, form: dict[str, str]) -> dict[str, Any]:
        resource = message_resource(self.account, form)
        callback = form.get("StatusCallback", "")
        refs = parse_qs(urlsplit(callback).query).get("ref")
        to = form.get("To", "")
        self.records.append(
            {
                "n": len(self.records),
                "t": time.time(),
                "sid": resource["sid"],
                "to": to.removeprefix("whatsapp:"),
                "channel": "whatsapp" if to.startswith("whatsapp:") else "sms",
                "body": form.get("Body"),
                "content_sid": form.get("ContentSid"),
                "ref": refs[0] if refs else None,
            }
        )
        self.resources[resource["sid"]] = resource
        if callback:
            task = asyncio.get_running_loop().create_task(self._call_back(callback, resource))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return resource

    async def _call_back(self, url: str, resource: dict[str, Any]) -> None:
        await asyncio.sleep(self.plan.callback_delay)
        params = {
            "MessageSid": resource["sid"],
            "MessageStatus": "delivered",
            "AccountSid": self.account,
            "To": resource["to"],
        }
        headers = {"X-Twilio-Signature": self.validator.compute_signature(url, params)}
        assert self._client is not None
        # Twilio tries once more when it cannot connect (connection override rc=1).
        for attempt in range(2):
            try:
                # encoded=True: call the URL byte for byte as given (Twilio does),
                # since the signature is computed over it.
                target = yarl.URL(url, encoded=True)
                async with self._client.post(target, data=params, headers=headers) as answer:
                    await answer.read()
                    self.callbacks[str(answer.status)] += 1
                    return
            except (aiohttp.ClientError, TimeoutError) as error:
                if attempt == 1:
                    self.callbacks["error"] += 1
                    self.callback_errors.append(type(error).__name__)
                else:
                    await asyncio.sleep(1.0)

    async def list_messages(self, request: web.Request) -> web.Response:
        to = request.query.get("To")
        found = [r for r in self.resources.values() if to is None or r["to"] == to]
        found.reverse()  # newest first, as Twilio lists them
        return web.json_response(
            {"messages": found, "page": 0, "page_size": len(found), "next_page_uri": None}
        )

    async def fetch_message(self, request: web.Request) -> web.Response:
        resource = self.resources.get(request.match_info["sid"])
        if resource is None:
            return web.json_response(_twilio_error(404, 20404, "Not found"), status=404)
        return web.json_response(resource)

    # --- the test's side ------------------------------------------------------

    async def set_plan(self, request: web.Request) -> web.Response:
        try:
            self.plan = Plan.from_json(await request.json())
        except (ValueError, TypeError) as error:
            return web.json_response({"error": str(error)}, status=400)
        self.rng = random.Random(self.plan.seed)
        return web.json_response({"ok": True})

    async def list_records(self, request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return web.json_response({"count": len(self.records), "records": self.records[since:]})

    async def stats(self, _request: web.Request) -> web.Response:
        return web.json_response(
            {
                "taken": len(self.records),
                "requests": dict(self.requests),
                "callbacks": dict(self.callbacks),
                "callbacks_waiting": len(self._tasks),
                "callback_errors": Counter(self.callback_errors),
            }
        )

    async def _open(self, _app: web.Application) -> None:
        self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15, connect=5))

    async def _close(self, _app: web.Application) -> None:
        if self._client is not None:
            await self._client.close()

    def app(self) -> web.Application:
        app = web.Application()
        messages = MESSAGES_PATH
        app.router.add_post(messages, self.create_message)
        app.router.add_get(messages, self.list_messages)
        app.router.add_get(MESSAGE_PATH, self.fetch_message)
        app.router.add_post("/_faults/plan", self.set_plan)
        app.router.add_get("/_faults/records", self.list_records)
        app.router.add_get("/_faults/stats", self.stats)
        app.on_startup.append(self._open)
        app.on_cleanup.append(self._close)
        return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--account", required=True)
    args = parser.parse_args()
    # The token from the environment, never on a command line (visible in ps).
    stand_in = StandIn(args.account, os.environ["TWILIO_AUTH_TOKEN"])
    web.run_app(stand_in.app(), host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
