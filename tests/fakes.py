"""Test doubles at the network edge, and clocks: every fake the tests share.

- ``StandInServer``: a loopback HTTP server that answers with a function of
  the request and records every request. It stands in for a provider's
  network edge (Twilio's REST API) or, where a test is about the worker's own
  logic only, for Rasa's REST channel.
- ``TwilioStandIn``: Twilio's Messages API on a ``StandInServer``: answers 201
  with a new ``SM...`` sid (status "queued"), records every message it took,
  and calls each message's ``StatusCallback`` a moment later, signed with the
  auth token (``X-Twilio-Signature``), to say it was delivered.
- ``FakeTime``: a monotonic clock whose ``sleep`` advances it, for pacing.
- ``FakeChannel``: a channel that records what it was given, and when.

Builders of rows and signed requests are in ``tests.builders``.
"""

from __future__ import annotations

import json
import queue
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from twilio.request_validator import RequestValidator

from bench.standin import message_resource
from bot.messaging.channels import ChannelError, OutgoingMessage, SendResult
from bot.vocab import OutboxStatus
from tests.builders import new_sid


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}


# status, JSON body, extra headers
Answer = tuple[int, Any, dict[str, str]]


class _BusyServer(ThreadingHTTPServer):
    # socketserver's listen backlog is 5: dozens of concurrent sends on a
    # loaded test machine overflowed it and the stand-in reset connections,
    # which Twilio's API does not do. A provider-sized backlog.
    request_queue_size = 256


class StandInServer:
    """A threading HTTP server on 127.0.0.1 and a free port."""

    def __init__(self, answer: Callable[[Recorded], Answer]) -> None:
        self.answer = answer
        self.requests: list[Recorded] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def do_DELETE(self) -> None:
                self._handle()

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Recorded(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers=dict(self.headers.items()),
                    body=self.rfile.read(length),
                )
                server.requests.append(request)
                status, payload, headers = server.answer(request)
                if status == 204:  # No Content: no body at all
                    self.send_response(status)
                    self.end_headers()
                    return
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

        self._httpd = _BusyServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def __enter__(self) -> StandInServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def closed_port_url() -> str:
    """A loopback URL where nothing listens: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def rasa_echo(request: Recorded) -> Answer:
    """Rasa's REST channel, answering every message with one custom payload."""
    body = request.json()
    reply = {"text": f"echo: {body['message']}", "kind": "reply"}
    return 200, [{"recipient_id": body["sender"], "custom": reply}], {}


class FakeTime:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds


@dataclass
class FakeChannel:
    """Records each message with the clock's time; answers from ``script`` (then succeeds)."""

    clock: Callable[[], float] = lambda: 0.0
    script: list[ChannelError | SendResult] = field(default_factory=list)
    sent: list[tuple[float, OutgoingMessage]] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    name: str = "fake"

    taken: dict[str, SendResult] = field(default_factory=dict)  # by outbox key

    def send(self, message: OutgoingMessage) -> SendResult:
        self.sent.append((self.clock(), message))
        outcome = self.script.pop(0) if self.script else None
        if isinstance(outcome, ChannelError):
            raise outcome
        result = outcome or SendResult(provider_sid=new_sid(), status=OutboxStatus.QUEUED)
        self.taken[message.reference] = result
        return result

    def find_taken(self, message: OutgoingMessage, since: datetime) -> SendResult | None:
        return self.taken.get(message.reference)

    def delete_message(self, provider_sid: str) -> None:
        self.deleted.append(provider_sid)

    def close(self) -> None:
        """Nothing to release."""


CALLBACK_DELAY = 0.2  # seconds between taking a message and calling back
ACCOUNT_OF_PATH = re.compile(r"^.*/Accounts/([^/]+)/Messages\.json$")


@dataclass(frozen=True)
class Taken:
    sid: str
    to: str
    body: str | None
    content_sid: str | None
    callback: str
    resource: dict[str, Any]  # what Twilio answers for it, and lists


class TwilioStandIn:
    def __init__(self, auth_token: str, callback_threads: int = 2) -> None:
        self.validator = RequestValidator(auth_token)
        self.taken: list[Taken] = []
        self._lock = threading.Lock()
        self._callbacks: queue.Queue[tuple[float, Taken] | None] = queue.Queue()
        self._server = StandInServer(self._answer)
        self._threads = [
            threading.Thread(target=self._call_back, daemon=True) for _ in range(callback_threads)
        ]
        self.callbacks_done = 0
        self.callback_failures: list[str] = []

    @property
    def url(self) -> str:
        return self._server.url

    def __enter__(self) -> TwilioStandIn:
        self._server.__enter__()
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for _ in self._threads:
            self._callbacks.put(None)
        for thread in self._threads:
            thread.join(timeout=10)
        self._server.__exit__(*exc)
        self._server.requests.clear()

    def per_number(self) -> Counter[str]:
        with self._lock:
            return Counter(message.to for message in self.taken)

    def count(self) -> int:
        with self._lock:
            return len(self.taken)

    def idle(self) -> bool:
        """Every callback made (or given up on)."""
        return (
            self._callbacks.empty()
            and self.callbacks_done + len(self.callback_failures) >= self.count()
        )

    def _answer(self, request: Recorded) -> Answer:
        self._server.requests.clear()  # keep memory flat over thousands of messages
        if not request.path.endswith("/Messages.json"):
            return 404, {"code": 20404, "message": "not found"}, {}
        if request.method == "GET":
            return self._list(request)
        form = request.form()
        if "To" not in form:
            return 400, {"code": 21604, "message": "A 'To' phone number is required."}, {}
        resource = message_resource(ACCOUNT_OF_PATH.sub(r"\1", request.path), form)
        taken = Taken(
            sid=resource["sid"],
            to=form["To"].removeprefix("whatsapp:"),
            body=form.get("Body"),
            content_sid=form.get("ContentSid"),
            callback=form.get("StatusCallback", ""),
            resource=resource,
        )
        with self._lock:
            self.taken.append(taken)
        self._callbacks.put((time.monotonic() + CALLBACK_DELAY, taken))
        return 201, resource, {}

    def _list(self, request: Recorded) -> Answer:
        """Twilio's message list filtered by ``To``, newest first, in one page.

        The sender looks a message up here when its send failed in a way
        Twilio may have taken it all the same (a dropped connection).
        """
        to = (request.query.get("To") or [None])[0]
        with self._lock:
            found = [
                t.resource for t in reversed(self.taken) if to is None or t.resource["to"] == to
            ]
        return (
            200,
            {"messages": found, "page": 0, "page_size": len(found), "next_page_uri": None},
            {},
        )

    def _call_back(self) -> None:
        with httpx.Client(timeout=10.0) as client:
            while (item := self._callbacks.get()) is not None:
                due, taken = item
                time.sleep(max(0.0, due - time.monotonic()))
                params = {"MessageSid": taken.sid, "MessageStatus": "delivered", "To": taken.to}
                signature = self.validator.compute_signature(taken.callback, params)
                try:
                    response = client.post(
                        taken.callback, data=params, headers={"X-Twilio-Signature": signature}
                    )
                    response.raise_for_status()
                except httpx.HTTPError as error:
                    with self._lock:
                        self.callback_failures.append(f"{taken.sid}: {error}")
                else:
                    with self._lock:
                        self.callbacks_done += 1
