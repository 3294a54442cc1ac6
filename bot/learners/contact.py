"""A learner writes: who they are (found by a keyed hash of the number) and what that changes.

Phone numbers are personal data of people at risk: the number is looked up by
its keyed hash and stored encrypted (``bot.phones``), never in clear.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.learners import schedule
from bot.learners.zones import timezone_for_number
from bot.models import Learner, new_public_id
from bot.phones import encrypt_phone, phone_hash
from bot.settings import Settings
from bot.vocab import ChannelName

log = logging.getLogger(__name__)


def learner_for(
    session: Session, number: str, channel: ChannelName, settings: Settings, now: datetime
) -> Learner:
    """The learner who writes from this E.164 number; a new one (stored) on first contact.

    Two first messages from a new number may arrive at once in two web
    processes: the row is inserted with ON CONFLICT DO NOTHING on the number's
    hash, so the second waits for the first and then reads its learner,
    instead of failing (and losing its message) on the unique index.
    """
    key = phone_hash(number, settings.secrets.phone_hash_key)
    found = select(Learner).where(Learner.phone_hash == key)
    learner = session.scalar(found)
    if learner is not None:
        return learner
    draft = Learner(channel=channel)
    # A first guess from the country code; the learner can change it.
    schedule.guess_timezone(draft, timezone_for_number(number))
    values = {
        "public_id": new_public_id(),
        "phone_hash": key,
        "phone_encrypted": encrypt_phone(number, settings.secrets.phone_encryption_key),
        "channel": channel,
        "timezone": draft.timezone,
        "created_at": now,
    }
    inserted = session.execute(
        _insert(session)(Learner)
        .values(values)
        .on_conflict_do_nothing(index_elements=["phone_hash"])
        .returning(Learner.id)
    ).scalar()
    learner = session.scalars(found.execution_options(populate_existing=True)).one()
    if inserted is not None:
        log.info("new learner %s on %s", learner.public_id, channel)
    return learner


def _insert(session: Session) -> Any:
    """The dialect's INSERT, which has ON CONFLICT DO NOTHING."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def note_message(
    learner: Learner,
    channel: ChannelName,
    profile_name: str | None,
    settings: Settings,
    now: datetime,
) -> None:
    """What a message from the learner changes: channel, name, window, paused lessons."""
    # The same person may move between SMS and WhatsApp: answer where they wrote.
    learner.channel = channel
    if profile_name:
        learner.profile_name = profile_name
    learner.last_inbound_at = now
    # A reply reopens the WhatsApp window: a lesson held back for it is due now.
    schedule.release_waiting_lesson(learner, now)
    # A learner who went quiet and was asked "still there?" is back: lessons resume.
    schedule.resume_after_silence(learner, now, settings)
