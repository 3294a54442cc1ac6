"""Liveness and readiness for process managers, load balancers and the operator.

- ``/healthz``: liveness of the web process (its database answers). A load
  balancer routes Twilio's webhooks by it: the webhooks store messages even
  while Rasa or the worker are down, so nothing else belongs here.
- ``/readyz``: is the whole system serving learners? The database, Rasa
  (its ``/status``, with the token, and the worker's channel), the newest worker and scheduler
  heartbeats, and the oldest message still waiting for its turn. 503 with
  a JSON body naming each failing check; 200 naming all that passed. For a
  deploy's "is it up" step and the operator's monitoring, not for routing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

import httpx
from flask import Blueprint, Flask, jsonify
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.models import InboundMessage
from bot.ops.heartbeats import KINDS, newest_beats
from bot.rasa_paths import CHANNEL_HEALTH, NO_CHANNEL
from bot.services import services
from bot.settings import Settings
from bot.vocab import InboundStatus

blueprint = Blueprint("health", __name__)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def rasa_available(settings: Settings) -> Check:
    """Rasa's ``GET /status`` (it needs the token) answers 200 within the probe's timeout.

    With several servers (``rasa.urls``) the check passes while one answers,
    since the worker sends each learner to the next server when theirs is
    down; the detail names every server that does not answer.
    """
    answers = [(url, _rasa_status(url, settings)) for url in settings.rasa.servers]
    down = [f"{url}: {problem}" for url, problem in answers if problem]
    if len(answers) == 1:
        problem = answers[0][1]
        return Check("rasa", not problem, problem or "status 200")
    up = len(answers) - len(down)
    detail = f"{up} of {len(answers)} servers answer" + (": " + "; ".join(down) if down else "")
    return Check("rasa", up > 0, detail)


def _rasa_status(base_url: str, settings: Settings) -> str:
    """What is wrong with one Rasa server ("" when its status and its channel answer 200)."""
    try:
        response = httpx.get(
            base_url + "/status",
            params={"token": settings.rasa.token},
            timeout=settings.ops.rasa_probe_timeout_seconds,
        )
    except httpx.HTTPError as error:
        return f"no answer: {type(error).__name__}"
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    try:
        channel = httpx.get(
            base_url + CHANNEL_HEALTH, timeout=settings.ops.rasa_probe_timeout_seconds
        )
    except httpx.HTTPError as error:
        return f"no answer from its channel: {type(error).__name__}"
    if channel.status_code != 200:
        return f"{NO_CHANNEL} (HTTP {channel.status_code})"
    return ""


def oldest_waiting(session: Session) -> datetime | None:
    """When the oldest message still waiting for its turn arrived (None: none waits)."""
    return session.scalar(
        select(func.min(InboundMessage.received_at)).where(
            InboundMessage.status == InboundStatus.PENDING
        )
    )


def readiness(session: Session, settings: Settings, now: datetime) -> list[Check]:
    """Every check of ``/readyz``, in order."""
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        # Without the database the heartbeats and the queue cannot be read either.
        failed = f"database unreachable: {type(error).__name__}"
        unknown = [Check(f"{kind}_heartbeat", False, failed) for kind in KINDS]
        return [
            Check("database", False, failed),
            rasa_available(settings),
            *unknown,
            Check("waiting_messages", False, failed),
        ]
    checks = [Check("database", True, "SELECT 1"), rasa_available(settings)]
    beats = newest_beats(session)
    stale = settings.ops.heartbeat_stale_seconds
    for kind in KINDS:
        last = beats.get(kind)
        name = f"{kind}_heartbeat"
        if last is None:
            checks.append(Check(name, False, f"no {kind} has ever beaten"))
        else:
            age = (now - last).total_seconds()
            ok = age <= stale
            checks.append(Check(name, ok, f"last beat {age:.0f} s ago (limit {stale:.0f} s)"))
    oldest = oldest_waiting(session)
    limit = settings.ops.ready_max_wait_seconds
    if oldest is None:
        checks.append(Check("waiting_messages", True, "no message waiting"))
    else:
        age = (now - oldest).total_seconds()
        detail = f"oldest waiting {age:.0f} s (limit {limit:.0f} s)"
        checks.append(Check("waiting_messages", age <= limit, detail))
    return checks


@blueprint.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    """Answer 200 when the database is reachable."""
    with services().engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return jsonify(status="ok")


@blueprint.get("/readyz")
def readyz():  # type: ignore[no-untyped-def]
    """Answer 200 when every check passes, else 503 naming the failing ones."""
    made = services()
    with made.sessions() as session:
        checks = readiness(session, made.settings, made.now())
    failing = [check.name for check in checks if not check.ok]
    body = {
        "status": "unavailable" if failing else "ready",
        "failing": failing,
        "checks": {check.name: asdict(check) for check in checks},
    }
    return jsonify(body), 503 if failing else 200


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
