"""How big a request may be: refused with 413 before anything reads its body.

``app.max_request_bytes`` applies to every request (Flask's
``MAX_CONTENT_LENGTH``: werkzeug refuses a larger declared length without
reading it, and stops reading a chunked body at the limit). A view that
takes more (a pasted list of learner ids) says so with ``@accepts_bytes``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request

from bot.settings import Settings

View = TypeVar("View", bound=Callable[..., Any])


def accepts_bytes(limit: int) -> Callable[[View], View]:
    """Let this view's requests be up to ``limit`` bytes (instead of the app's setting)."""

    def mark(view: View) -> View:
        view.max_request_bytes = limit  # type: ignore[attr-defined]
        return view

    return mark


def _raise_limit_for_view() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "max_request_bytes", None)
    if limit is not None:
        request.max_content_length = limit


def init_app(app: Flask, settings: Settings) -> None:
    """Set the limit; call before anything else registers a ``before_request`` that reads forms."""
    app.config["MAX_CONTENT_LENGTH"] = settings.app.max_request_bytes
    app.before_request(_raise_limit_for_view)
