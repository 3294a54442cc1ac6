"""A stand-in for Twilio's network edge: the Messages API, and its status callbacks.

It takes ``POST /2010-04-01/Accounts/{sid}/Messages.json`` as Twilio does
(answers 201 with a new ``SM...`` sid, status "queued") and records every
message it took. Like Twilio, it then calls the message's ``StatusCallback``
URL a moment later, signed with the auth token (``X-Twilio-Signature``), to
say the message was delivered.
"""

from __future__ import annotations

import queue
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass

import httpx
from twilio.request_validator import RequestValidator

from tests.bot.worker_fakes import Answer, Recorded, StandInServer

CALLBACK_DELAY = 0.2  # seconds between taking a message and calling back


@dataclass(frozen=True)
class Taken:
    sid: str
    to: str
    body: str | None
    content_sid: str | None
    callback: str


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
        form = request.form()
        if not request.path.endswith("/Messages.json") or "To" not in form:
            return 404, {"code": 20404, "message": "not found"}, {}
        taken = Taken(
            sid="SM" + secrets.token_hex(16),
            to=form["To"].removeprefix("whatsapp:"),
            body=form.get("Body"),
            content_sid=form.get("ContentSid"),
            callback=form.get("StatusCallback", ""),
        )
        with self._lock:
            self.taken.append(taken)
        self._callbacks.put((time.monotonic() + CALLBACK_DELAY, taken))
        return 201, {"sid": taken.sid, "status": "queued"}, {}

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
