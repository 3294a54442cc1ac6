"""The app's only way to Rasa: its lessonbot channel, its HTTP API, its tracker store.

Errors say what to do next: ``RasaUnavailable`` (connection refused, timeout,
5xx, no model loaded yet) means try again later; ``RasaRejected`` (any other
4xx, or an answer that is not what Rasa sends) is a bug that retrying will not
fix.

Several Rasa servers (``rasa.servers``) share one tracker store and one Redis
lock store, so any of them can run any learner's turn. Each learner still
goes to one server, chosen by rendezvous hashing of their id (stable, and a
server's loss moves only its own learners); a server that does not answer is
set aside for ``SET_ASIDE_SECONDS`` and its learners go to their next one.
A request that never reached a server (connection refused, no model loaded)
is tried on the next server at once; one that may have run there (read
timeout, 5xx) is not re-sent elsewhere, so that a turn never runs twice: the
worker retries it later, and by then the server is set aside.

The auth token travels as Rasa expects it, in the query string: keep the
``urllib3`` logger at WARNING so that request URLs are not logged.

The requests go through urllib3's connection pools rather than the httpx the
rest of the app uses: a turn makes one such request, and on loopback httpx
spent 0.9–1.2 ms of the worker's CPU on each against urllib3's 0.25–0.45 ms
(README, "The worker's third cut"). Nothing else here needs what httpx adds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import urllib3
from urllib3.exceptions import ConnectTimeoutError, EmptyPoolError, HTTPError

from bot.messaging.tracker_store import TrackerStore, app_tracker_url
from bot.rasa_paths import NO_CHANNEL, TURN_WEBHOOK
from bot.settings import Settings

log = logging.getLogger(__name__)

# How long a server that did not answer is tried only after the others.
SET_ASIDE_SECONDS = 15.0

JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


def server_order(servers: Sequence[str], sender_id: str) -> list[str]:
    """``servers`` in the order ``sender_id``'s turns try them (rendezvous hashing)."""

    def weight(server: str) -> bytes:
        return hashlib.sha256(f"{server}\n{sender_id}".encode()).digest()

    return sorted(servers, key=weight, reverse=True)


class RasaError(Exception):
    """Rasa did not answer a turn."""


class RasaUnavailable(RasaError):
    """Rasa is down, slow or starting: try again later.

    ``reached`` is false when the request never got to Rasa (connection refused
    or not made in time), so the turn cannot have run there.
    """

    def __init__(self, message: str, *, reached: bool) -> None:
        super().__init__(message)
        self.reached = reached


class RasaRejected(RasaError):
    """Rasa refused the request (4xx) or answered nonsense: a bug, do not retry."""


class RasaClient:
    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.servers = settings.rasa.servers
        self._clock = clock
        self._aside_until: dict[str, float] = {}
        self._aside_lock = threading.Lock()
        self._token = settings.rasa.token
        # Rasa's own database, for what its API cannot do (bot.messaging.tracker_store).
        self.tracker_store = TrackerStore(app_tracker_url(settings))
        # One pool per server, with a connection for each of the worker's turn
        # threads; no retries here: whether a failed request may be sent again,
        # and where, is this class's decision (``_post``).
        timeout = urllib3.Timeout(
            connect=settings.rasa.timeout_seconds, read=settings.rasa.timeout_seconds
        )
        # A server's URL may have a path (Rasa behind a proxy): it is kept
        # as the prefix of every request, since a pool knows only host and port.
        self._prefixes = {server: urlsplit(server).path.rstrip("/") for server in self.servers}
        self._pools = {
            server: urllib3.connection_from_url(
                server,
                maxsize=max(10, settings.worker.turn_concurrency),
                timeout=timeout,
                retries=False,
            )
            for server in self.servers
        }

    def send_message(self, sender_id: str, text: str, metadata: dict[str, Any]) -> list[dict]:
        """Run one turn through the lessonbot channel; return the bot's messages."""
        body = {"sender": sender_id, "message": text, "metadata": metadata}
        answer = self._post(TURN_WEBHOOK, body, sender_id)
        if not isinstance(answer, list):
            raise RasaRejected(f"Rasa's channel answered {type(answer).__name__}, not a list")
        return [message for message in answer if isinstance(message, dict)]

    def trigger_intent(
        self,
        sender_id: str,
        intent: str,
        entities: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> list[dict]:
        """Inject an external intent (e.g. EXTERNAL_lesson_due); return the bot's messages.

        Rasa 3.6's endpoint takes no metadata (the action sees only
        ``metadata.is_external``), so ``metadata`` is not sent; it is accepted
        so that callers can pass the same context as for a turn.
        """
        path = f"/conversations/{quote(sender_id, safe='')}/trigger_intent"
        answer = self._post(
            path,
            {"name": intent, "entities": entities or {}},
            sender_id,
            params={"include_events": "NONE"},
        )
        messages = answer.get("messages") if isinstance(answer, dict) else None
        if not isinstance(messages, list):
            raise RasaRejected("trigger_intent answered without a list of messages")
        return [message for message in messages if isinstance(message, dict)]

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self.tracker_store.close()

    def servers_for(self, sender_id: str) -> list[str]:
        """The servers to try for ``sender_id``, in order: those set aside come last."""
        now = self._clock()
        with self._aside_lock:
            aside = {server for server, until in self._aside_until.items() if until > now}
        order = server_order(self.servers, sender_id)
        return [s for s in order if s not in aside] + [s for s in order if s in aside]

    def _post(
        self, path: str, body: dict[str, Any], sender_id: str, params: dict[str, str] | None = None
    ) -> Any:
        *others, last = self.servers_for(sender_id)
        for server in others:
            try:
                return self._post_to(server, path, body, sender_id, params)
            except RasaUnavailable as error:
                self._set_aside(server, error)
                if error.reached:
                    raise  # the turn may have run there: never twice
        try:
            return self._post_to(last, path, body, sender_id, params)
        except RasaUnavailable as error:
            if others:
                self._set_aside(last, error)
            raise

    def _set_aside(self, server: str, error: RasaUnavailable) -> None:
        with self._aside_lock:
            self._aside_until[server] = self._clock() + SET_ASIDE_SECONDS
        log.warning("rasa server %s unavailable (%s): set aside", server, error)

    def _post_to(
        self,
        server: str,
        path: str,
        body: dict[str, Any],
        sender_id: str,
        params: dict[str, str] | None,
    ) -> Any:
        query = {"token": self._token, **(params or {})} if self._token else dict(params or {})
        url = self._prefixes[server] + path + (f"?{urlencode(query)}" if query else "")
        try:
            response = self._pools[server].urlopen(
                "POST",
                url,
                body=json.dumps(body, separators=(",", ":")).encode(),
                headers=JSON_HEADERS,
                assert_same_host=False,
            )
        except (ConnectTimeoutError, EmptyPoolError) as error:
            # Refused, unresolvable or not connected in time: nothing was sent.
            raise RasaUnavailable(
                f"cannot connect: {type(error).__name__}", reached=False
            ) from error
        except HTTPError as error:
            # Sent, then no answer in time or the connection dropped.
            raise RasaUnavailable(f"no answer: {type(error).__name__}", reached=True) from error
        status = response.status
        log.debug("rasa %s for %s: HTTP %s", path.split("/")[-1], sender_id, status)
        if status == 409:
            # "No agent loaded": the server is up but its model is not yet.
            raise RasaUnavailable("Rasa has no model loaded yet", reached=False)
        if status == 404 and path == TURN_WEBHOOK:
            # A Rasa started without the channel: no turn ran there. Waiting
            # (and /readyz naming it) beats failing every learner's message.
            raise RasaUnavailable(NO_CHANNEL, reached=False)
        if status >= 500:
            raise RasaUnavailable(f"HTTP {status}", reached=True)
        if status >= 400:
            raise RasaRejected(f"HTTP {status}: {response.data[:200].decode(errors='replace')}")
        try:
            return json.loads(response.data)
        except ValueError as error:
            raise RasaRejected(f"HTTP {status} with a body that is not JSON") from error
