"""The WhatsApp choices the app has shown, and their Twilio Content resources.

The one owner of the ``whatsapp_choice`` table. The sender asks
``content_for`` for the resource a message's buttons need: a choice seen for
the first time is recorded (and logged, once) and goes as numbered text until
``lessonbot whatsapp sync`` (``bot.messaging.content_sync``) has created its
resource and recorded the SID with ``record_synced``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.models import OutboxMessage, WhatsAppChoice
from bot.text.choices import Choice, ChoiceKind, TapMeaning, shown_choice

log = logging.getLogger(__name__)

# Both dialects' INSERT ... ON CONFLICT DO NOTHING: two senders may meet a new choice at once.
_INSERT: dict[str, Any] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def row_choice(row: OutboxMessage, language: str) -> Choice | None:
    """The buttons or list a WhatsApp message shows, from its outbox row; None for plain text."""
    return shown_choice(row.body, row.options, row.buttons, row.keywords, language)


def content_for(session: Session, choice: Choice, now: datetime) -> str | None:
    """The Content SID that shows ``choice``; None (and the choice recorded) if not synced yet."""
    known = session.get(WhatsAppChoice, choice.key)
    if known is not None:
        return known.content_sid
    if record(session, choice, now):
        log.warning(
            "WhatsApp %s %s (%s) has no Content yet: sent as numbered text until "
            "`lessonbot whatsapp sync` creates it",
            choice.kind.value,
            choice.key,
            choice.language,
        )
    return None


def record(session: Session, choice: Choice, now: datetime) -> bool:
    """Record ``choice`` unless it is known; True if this call recorded it."""
    values = {
        "key": choice.key,
        "language": choice.language,
        "kind": choice.kind.value,
        "meaning": choice.meaning.value,
        "body": choice.body,
        "titles": list(choice.titles),
        "descriptions": list(choice.descriptions),
        "list_button": choice.list_button,
        "options_in_body": choice.options_in_body,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    statement = _INSERT[dialect](WhatsAppChoice).values(values)
    statement = statement.on_conflict_do_nothing(index_elements=["key"])
    return session.execute(statement.returning(WhatsAppChoice.key)).scalar() is not None


def unsynced(session: Session) -> list[Choice]:
    """The recorded choices without a Content resource, oldest first."""
    rows = session.scalars(
        select(WhatsAppChoice)
        .where(WhatsAppChoice.content_sid.is_(None))
        .order_by(WhatsAppChoice.created_at, WhatsAppChoice.key)
    ).all()
    return [as_choice(row) for row in rows]


def known_sids(session: Session) -> dict[str, str]:
    """Each synced choice's key and Content SID."""
    rows = session.execute(
        select(WhatsAppChoice.key, WhatsAppChoice.content_sid).where(
            WhatsAppChoice.content_sid.is_not(None)
        )
    ).all()
    return {key: str(sid) for key, sid in rows}


def record_synced(session: Session, choice: Choice, content_sid: str, now: datetime) -> None:
    """The resource that shows ``choice`` is ``content_sid``."""
    record(session, choice, now)
    row = session.get(WhatsAppChoice, choice.key)
    assert row is not None
    row.content_sid = content_sid
    row.synced_at = now


def as_choice(row: WhatsAppChoice) -> Choice:
    return Choice(
        ChoiceKind(row.kind),
        TapMeaning(row.meaning),
        row.language,
        row.body,
        tuple(row.titles),
        tuple(row.descriptions),
        row.list_button,
        row.options_in_body,
    )
