"""What a process works with, made once: settings, the database, the lessons, the clock.

The web app keeps one ``Services`` for all its blueprints (``services()``
inside a request, or ``services(app)``); the action server keeps one per
process (``nlu.actions.context``). Parts that belong to one surface (the
inbound group commit, the staff menu) are added by type and read back typed:
``services().part(WebhookIntake)``, never by a string key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast

from flask import Flask, current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import utc_now
from bot.db import make_engine, make_session_factory
from bot.settings import Settings
from lessons import Catalog, load_catalog

_EXTENSION = "lessonbot"
Part = TypeVar("Part")


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    # Naive UTC now; tests set a fixed one.
    clock: Callable[[], datetime] = utc_now
    # Loaded on first use; tests may hand one in.
    lessons: Catalog | None = None
    _parts: dict[type, Any] = field(default_factory=dict)

    @classmethod
    def for_settings(cls, settings: Settings, **values: Any) -> Services:
        engine = make_engine(settings.app.database_url)
        return cls(settings, engine, make_session_factory(engine), **values)

    def now(self) -> datetime:
        return self.clock()

    def catalog(self) -> Catalog:
        """The lesson catalog, read from the lesson files once."""
        if self.lessons is None:
            self.lessons = load_catalog(self.settings.lessons_path)
        return self.lessons

    def add(self, part: object) -> None:
        """Keep ``part`` for ``part(type(part))``."""
        self._parts[type(part)] = part

    def part(self, kind: type[Part], make: Callable[[], Part] | None = None) -> Part:
        """The part of this type (made with ``make`` on first use, if given)."""
        if kind not in self._parts and make is not None:
            self._parts[kind] = make()
        return cast(Part, self._parts[kind])

    def close(self) -> None:
        """Close the engine, and any part that holds resources of its own."""
        for part in self._parts.values():
            close = getattr(part, "close", None)
            if callable(close):
                close()
        self.engine.dispose()


def init_app(app: Flask, made: Services) -> None:
    app.extensions[_EXTENSION] = made


def services(app: Flask | None = None) -> Services:
    """The app's services: the current app's inside a request, else ``app``'s."""
    return cast(Services, (app or current_app).extensions[_EXTENSION])
