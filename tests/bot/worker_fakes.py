"""Test doubles for the worker and sender tests.

- ``StandInServer``: a loopback HTTP server that answers with a function of
  the request and records every request. It stands in for a provider's
  network edge (Twilio's REST API) or, where a test is about the worker's own
  logic only, for Rasa's REST channel.
- ``FakeTime``: a monotonic clock whose ``sleep`` advances it, for pacing.
- ``FakeChannel``: a channel that records what it was given, and when.
- Builders for learners, inbound messages and outbox rows.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sqlalchemy.orm import Session

from bot.channels import ChannelError, OutgoingMessage, SendResult
from bot.models import InboundMessage, Learner, OutboxMessage
from bot.phones import encrypt_phone, phone_hash
from bot.settings import Settings
from bot.vocab import LearnerStatus, OutboxStatus
from tests.builders import new_sid

NOW = datetime(2025, 3, 3, 14, 0, 0)
LEASE_END = NOW + timedelta(minutes=2)


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

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
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
    name: str = "fake"

    def send(self, message: OutgoingMessage) -> SendResult:
        self.sent.append((self.clock(), message))
        outcome = self.script.pop(0) if self.script else None
        if isinstance(outcome, ChannelError):
            raise outcome
        return outcome or SendResult(provider_sid=new_sid(), status=OutboxStatus.QUEUED)

    def close(self) -> None:
        """Nothing to release."""


def add_learner(
    session: Session,
    settings: Settings,
    number: str = "+50761234567",
    channel: str = "sms",
    language: str | None = "es",
    status: str = LearnerStatus.ACTIVE,
) -> Learner:
    learner = Learner(
        phone_hash=phone_hash(number, settings.secrets.phone_hash_key),
        phone_encrypted=encrypt_phone(number, settings.secrets.phone_encryption_key),
        channel=channel,
        language=language,
        status=status,
        created_at=NOW,
    )
    session.add(learner)
    session.commit()
    return learner


def add_inbound(
    session: Session, learner: Learner, body: str | None, num_media: int = 0
) -> InboundMessage:
    message = InboundMessage(
        message_sid=new_sid(),
        learner_id=learner.id,
        channel=learner.channel,
        body=body,
        num_media=num_media,
        received_at=NOW,
    )
    session.add(message)
    session.commit()
    return message


def add_outbox(
    session: Session,
    learner: Learner,
    text: str = "Hola",
    kind: str = "reply",
    allow_when_opted_out: bool = False,
    options: list[str] | None = None,
) -> OutboxMessage:
    row = OutboxMessage(
        idempotency_key=new_sid("KEY"),
        learner_id=learner.id,
        kind=kind,
        body=text,
        options=options,
        allow_when_opted_out=allow_when_opted_out,
        created_at=NOW,
    )
    session.add(row)
    session.commit()
    return row
