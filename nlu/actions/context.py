"""What every action needs: settings, the app database, the lesson catalog.

Created once per action-server process, lazily, from ``load_settings()``;
tests call ``configure(settings, clock=...)`` first. A turn opens one session
for the learner the tracker belongs to (``tracker.sender_id`` is the learner's
``public_id``) and commits when the action returns.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine, make_session_factory, session_scope
from bot.i18n import gettext_for
from bot.models import Learner
from bot.rendering import Message
from bot.settings import Settings, load_settings
from lessons import Catalog, load_catalog


def utc_now() -> datetime:
    """Naive UTC, as the database stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class ActionContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    catalog: Catalog
    clock: Callable[[], datetime]


_context: ActionContext | None = None
_lock = threading.Lock()


def configure(
    settings: Settings | None = None,
    *,
    catalog: Catalog | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> ActionContext:
    """Set up (or replace) the process-wide context; returns it."""
    global _context
    settings = settings or load_settings()
    engine = make_engine(settings.app.database_url)
    context = ActionContext(
        settings=settings,
        engine=engine,
        sessions=make_session_factory(engine),
        catalog=catalog or load_catalog(settings.lessons_path),
        clock=clock,
    )
    with _lock:
        previous, _context = _context, context
    if previous is not None:
        previous.engine.dispose()
    return context


def reset() -> None:
    """Forget the context (tests); the next action configures it again from settings."""
    global _context
    with _lock:
        previous, _context = _context, None
    if previous is not None:
        previous.engine.dispose()


def get_context() -> ActionContext:
    with _lock:
        context = _context
    return context or configure()


@dataclass
class Turn:
    """One action's view of the learner: an open session, the time, the language."""

    session: Session
    learner: Learner | None
    context: ActionContext
    now: datetime
    language: str

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @property
    def catalog(self) -> Catalog:
        return self.context.catalog

    def gettext(self) -> Callable[[str], str]:
        return gettext_for(self.language)


@contextmanager
def open_turn(tracker: Tracker) -> Iterator[Turn]:
    """A session for the tracker's learner, committed when the action succeeds."""
    context = get_context()
    with session_scope(context.sessions) as session:
        learner = session.scalar(select(Learner).where(Learner.public_id == tracker.sender_id))
        yield Turn(
            session=session,
            learner=learner,
            context=context,
            now=context.clock(),
            language=learner_language(learner, tracker, context.settings),
        )


def learner_language(learner: Learner | None, tracker: Tracker, settings: Settings) -> str:
    """The learner's saved language, else the one chosen in this dialogue, else the default."""
    metadata = tracker.latest_message.get("metadata") or {}
    for candidate in (
        learner.language if learner else None,
        tracker.get_slot("language"),
        metadata.get("language"),
    ):
        if candidate in settings.languages.supported:
            return str(candidate)
    return settings.languages.default


def say(
    dispatcher: CollectingDispatcher,
    text: str,
    options: Sequence[str] = (),
    kind: str = "reply",
    allow_when_opted_out: bool = False,
) -> None:
    """Send one message in the shape of docs/CONTRACTS.md ("What actions send back")."""
    payload: dict[str, Any] = {
        "text": text,
        "options": list(options),
        "kind": kind,
        "allow_when_opted_out": allow_when_opted_out,
    }
    dispatcher.utter_message(json_message=payload)


def send(dispatcher: CollectingDispatcher, message: Message, kind: str = "reply") -> None:
    """Send a rendered ``Message``; a title goes on the first line of the text."""
    text = f"{message.title}\n{message.text}" if message.title else message.text
    say(dispatcher, text, message.options, kind=kind)
