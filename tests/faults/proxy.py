"""A fault-injecting HTTP proxy between two real processes, in a process of its own.

    python -m tests.faults.proxy --port N --target http://127.0.0.1:M

Rasa reaches the action server through one (so that the action server can
"answer" 500, garbage or slowly without changing its code), and the worker and
the scheduler reach Rasa through another (stopping that proxy is Rasa being
unreachable, with a real connection refused). Modes, set with
``POST /_faults/mode`` (JSON):

- ``{"mode": "pass"}``: forward as is.
- ``{"mode": "error", "status": 500}``: answer that status, without forwarding.
- ``{"mode": "garbage"}``: answer 200 with a body that is not JSON.
- ``{"mode": "slow", "delay": 12}``: forward after ``delay`` seconds.
- ``{"mode": "poison", "senders": ["L..."]}``: forward, but in the action
  server's answer for those conversations every reply payload gets
  ``"options": 5`` (a malformed reply, the issue's poison message).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter
from typing import Any

import aiohttp
from aiohttp import web

# Headers that belong to one connection, not to the request (RFC 9110 7.6.1).
HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "upgrade", "host", "content-length"}
)
MODES = ("pass", "error", "garbage", "slow", "poison")


class Proxy:
    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.mode: dict[str, Any] = {"mode": "pass"}
        self.seen: Counter[str] = Counter()
        self._client: aiohttp.ClientSession | None = None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        mode = self.mode
        self.seen[mode["mode"]] += 1
        if mode["mode"] == "error":
            return web.json_response({"error": "injected fault"}, status=int(mode["status"]))
        if mode["mode"] == "garbage":
            return web.Response(status=200, text="<html>garbage", content_type="text/html")
        if mode["mode"] == "slow":
            await asyncio.sleep(float(mode["delay"]))
        body = await request.read()
        assert self._client is not None
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        try:
            async with self._client.request(
                request.method, self.target + request.path_qs, data=body, headers=headers
            ) as answer:
                payload = await answer.read()
                kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
                status = answer.status
        except aiohttp.ClientError as error:
            # The target is down (killed, restarting): a gateway's answer.
            return web.json_response({"error": type(error).__name__}, status=502)
        if mode["mode"] == "poison":
            payload = _poisoned(body, payload, set(mode.get("senders", ())))
        return web.Response(status=status, body=payload, headers=kept)

    async def set_mode(self, request: web.Request) -> web.Response:
        mode = await request.json()
        if mode.get("mode") not in MODES:
            return web.json_response({"error": f"mode must be one of {MODES}"}, status=400)
        self.mode = mode
        return web.json_response({"ok": True})

    async def get_mode(self, _request: web.Request) -> web.Response:
        return web.json_response(self.mode | {"seen": dict(self.seen)})

    async def _open(self, _app: web.Application) -> None:
        # No timeout of its own: the caller's timeout is the one being tested.
        self._client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None))

    async def _close(self, _app: web.Application) -> None:
        if self._client is not None:
            await self._client.close()

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024**2)
        app.router.add_post("/_faults/mode", self.set_mode)
        app.router.add_get("/_faults/mode", self.get_mode)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        app.on_startup.append(self._open)
        app.on_cleanup.append(self._close)
        return app


def _poisoned(request_body: bytes, payload: bytes, senders: set[str]) -> bytes:
    """The action server's answer with ``options: 5`` in every reply, for those senders."""
    try:
        sender = json.loads(request_body).get("sender_id")
        answer = json.loads(payload)
    except (ValueError, AttributeError):
        return payload
    if sender not in senders or not isinstance(answer, dict):
        return payload
    for response in answer.get("responses") or []:
        custom = response.get("custom") if isinstance(response, dict) else None
        if isinstance(custom, dict):
            custom["options"] = 5
    return json.dumps(answer).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--target", required=True)
    args = parser.parse_args()
    proxy = Proxy(args.target)
    web.run_app(proxy.app(), host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
