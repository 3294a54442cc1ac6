"""Twilio webhooks: inbound messages and delivery status callbacks.

Both are thin: check the signature, parse, hand the request to the intake
(``bot.messaging.intake``: stored and committed, or spooled if the database
stalls), answer. Inbound messages share their commits (``bot.messaging.ingest``).
No NLU and no call to Twilio happen inside the request.

The intake has its own engine whose lock waits last at most
``webhook.store_timeout_seconds``; the web process replays the spool when it
starts (the worker does so in its loop).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, Response, abort, request
from twilio.request_validator import RequestValidator

from bot.messaging.channels.twilio import InvalidCallback, read_status_callback
from bot.messaging.inbound import InvalidInbound, parse_inbound
from bot.messaging.intake import WebhookIntake
from bot.messaging.replay import replay_spool
from bot.services import services
from bot.settings import Settings

log = logging.getLogger(__name__)
blueprint = Blueprint("twilio", __name__, url_prefix="/twilio")
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def signed_url(settings: Settings) -> str:
    """The URL Twilio signed: the public URL, not the one Flask sees behind a proxy."""
    url = settings.app.public_url.rstrip("/") + request.path
    if request.query_string:
        url += "?" + request.query_string.decode()
    return url


def twilio_signed(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse (403) any request without a valid X-Twilio-Signature."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        settings = services().settings
        signature = request.headers.get("X-Twilio-Signature", "")
        validator = RequestValidator(settings.twilio.auth_token)
        if not signature or not validator.validate(signed_url(settings), request.form, signature):
            log.warning("refused %s: bad or missing Twilio signature", request.path)
            abort(403)
        return view(*args, **kwargs)

    return checked


def _now() -> datetime:
    return services().now()


@blueprint.post("/inbound")
@twilio_signed
def inbound() -> Response:
    try:
        message = parse_inbound(request.form)
    except InvalidInbound as error:
        log.warning("refused inbound: %s", error)
        return Response(
            f"invalid field {error.field}: {error.reason}\n", status=400, mimetype="text/plain"
        )
    # Answered only once committed (or spooled, should the database stall).
    services().part(WebhookIntake).inbound(message, _now())
    return Response(EMPTY_TWIML, mimetype="text/xml")


@blueprint.post("/status")
@twilio_signed
def status() -> Response:
    try:
        report = read_status_callback(request.form)
    except InvalidCallback as error:
        return Response(f"invalid field {error}\n", status=400, mimetype="text/plain")
    reference = request.args.get("ref") or None
    services().part(WebhookIntake).status(report, _now(), reference)
    return Response("", status=204)


def init_app(app: Flask) -> None:
    made = services(app)
    intake = WebhookIntake(made.settings)
    made.add(intake)
    app.register_blueprint(blueprint)
    # What an earlier run spooled goes in now, if the database takes it (the
    # worker retries the rest). Short lock waits: the start is never held long.
    replay_spool(intake.sessions, intake.spool, made.settings)
