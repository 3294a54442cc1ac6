"""Liveness and readiness for process managers and load balancers."""

from __future__ import annotations

from flask import Blueprint, Flask, jsonify
from sqlalchemy import text

from bot.services import services

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    """Answer 200 when the database is reachable."""
    with services().engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return jsonify(status="ok")


def init_app(app: Flask) -> None:
    app.register_blueprint(blueprint)
