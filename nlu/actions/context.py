"""What every action needs: the process's services (settings, database, lessons, clock).

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
from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import utc_now
from bot.db import session_scope
from bot.models import Learner
from bot.services import Services
from bot.settings import Settings, load_settings
from bot.text.i18n import gettext_for
from bot.text.menus import Menu
from bot.text.render import Message
from bot.vocab import OutboxKind
from lessons import Catalog

_context: Services | None = None
_lock = threading.Lock()


def configure(
    settings: Settings | None = None,
    *,
    catalog: Catalog | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Services:
    """Set up (or replace) the process-wide services; returns them."""
    global _context
    # The action server holds no secret: it never sees a phone number or Twilio.
    settings = settings or load_settings(with_secrets=False)
    context = Services.for_settings(settings, clock=clock, lessons=catalog)
    context.catalog()  # read and check the lesson files now, not in a learner's turn
    with _lock:
        previous, _context = _context, context
    if previous is not None:
        previous.close()
    return context


def reset() -> None:
    """Forget the context (tests); the next action configures it again from settings."""
    global _context
    with _lock:
        previous, _context = _context, None
    if previous is not None:
        previous.close()


def get_context() -> Services:
    with _lock:
        context = _context
    return context or configure()


@dataclass
class Turn:
    """One action's view of the learner: an open session, the time, the language."""

    session: Session
    learner: Learner | None
    context: Services
    now: datetime
    language: str

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @property
    def catalog(self) -> Catalog:
        return self.context.catalog()

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
    kind: OutboxKind = OutboxKind.REPLY,
    allow_when_opted_out: bool = False,
    *,
    buttons: Sequence[str] = (),
    keywords: Sequence[tuple[str, str]] = (),
) -> None:
    """Send one message in the shape of docs/CONTRACTS.md ("What actions send back").

    ``buttons`` and ``keywords`` change only how WhatsApp shows the message
    (bot.text.choices): short titles for the options, and a keyword menu.
    """
    payload: dict[str, Any] = {
        "text": text,
        "options": list(options),
        "kind": kind.value,
        "allow_when_opted_out": allow_when_opted_out,
    }
    if buttons:
        payload["buttons"] = list(buttons)
    if keywords:
        payload["keywords"] = [list(pair) for pair in keywords]
    dispatcher.utter_message(json_message=payload)


def say_menu(
    dispatcher: CollectingDispatcher, menu: Menu, allow_when_opted_out: bool = False
) -> None:
    """Send one of the fixed menus (bot.text.menus), exactly as the WhatsApp sync knows it."""
    say(
        dispatcher,
        menu.text,
        menu.options,
        allow_when_opted_out=allow_when_opted_out,
        keywords=menu.keywords,
    )


def send(
    dispatcher: CollectingDispatcher, message: Message, kind: OutboxKind = OutboxKind.REPLY
) -> None:
    """Send a rendered ``Message``; a title goes on the first line of the text."""
    text = f"{message.title}\n{message.text}" if message.title else message.text
    say(dispatcher, text, message.options, kind=kind, buttons=message.buttons)
