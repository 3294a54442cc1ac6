"""``/metrics``: Prometheus' text format of the whole system, for the operator only.

Access: with ``ops.metrics_token`` set (LESSONBOT_METRICS_TOKEN, environment
only), a request must carry ``Authorization: Bearer <token>`` (401 without);
with ``ops.metrics_public: true`` anyone may read it (put it behind a proxy
that keeps it from the internet); with neither it is 404. A bearer token is
what Prometheus' ``authorization`` scrape option sends, and keeps the page
safe on the public app without a second listener. No label carries a phone
number, a learner id or a text (``bot.ops.tally``).

Each gunicorn worker adds its counts to the database every few seconds (a
daemon thread, and once more at exit); the scrape adds its own first.
"""

from __future__ import annotations

import atexit
import hmac
import logging
import threading

from flask import Blueprint, Flask, Response, abort, request
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.metrics.collector import metrics_text
from bot.ops.tally import FLUSH_SECONDS, flush
from bot.services import services

log = logging.getLogger(__name__)
blueprint = Blueprint("metrics", __name__)


@blueprint.get("/metrics")
def metrics() -> Response:
    """The system's metrics, to the operator's Prometheus."""
    made = services()
    ops = made.settings.ops
    if not ops.metrics_public:
        if not ops.metrics_token:
            abort(404)
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {ops.metrics_token}".encode()):
            return Response("bearer token required\n", 401, {"WWW-Authenticate": "Bearer"})
    flush(made.sessions)
    with made.sessions() as session:
        body = metrics_text(session, made.settings, made.now())
    return Response(body, 200, mimetype=CONTENT_TYPE_LATEST)


def _keep_flushing(sessions: sessionmaker[Session], stop: threading.Event) -> None:
    while not stop.wait(FLUSH_SECONDS):
        try:
            flush(sessions)
        except SQLAlchemyError as error:
            # Kept in memory for the next try (bot.ops.tally.flush).
            log.warning("metrics: counts not stored yet: %s", type(error).__name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
    if app.config.get("TESTING"):
        return  # tests read /metrics, which adds this process's counts first
    sessions = services(app).sessions
    stop = threading.Event()
    thread = threading.Thread(
        target=_keep_flushing, args=(sessions, stop), name="metrics-flush", daemon=True
    )
    thread.start()

    def at_exit() -> None:
        stop.set()
        try:
            flush(sessions)
        except SQLAlchemyError as error:
            log.warning("metrics: the last counts were lost: %s", type(error).__name__)

    atexit.register(at_exit)
