"""A learner writes: who they are (found by a keyed hash of the number) and what that changes.

Phone numbers are personal data of people at risk: the number is looked up by
its keyed hash and stored encrypted (``bot.phones``), never in clear.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.learners import schedule
from bot.learners.zones import timezone_for_number
from bot.models import Learner
from bot.phones import encrypt_phone, phone_hash
from bot.settings import Settings
from bot.vocab import ChannelName

log = logging.getLogger(__name__)


def learner_for(
    session: Session, number: str, channel: ChannelName, settings: Settings, now: datetime
) -> Learner:
    """The learner who writes from this E.164 number; a new one (flushed) on first contact."""
    key = phone_hash(number, settings.secrets.phone_hash_key)
    learner = session.scalar(select(Learner).where(Learner.phone_hash == key))
    if learner is None:
        learner = Learner(
            phone_hash=key,
            phone_encrypted=encrypt_phone(number, settings.secrets.phone_encryption_key),
            channel=channel,
            created_at=now,
        )
        # A first guess from the country code; the learner can change it.
        schedule.guess_timezone(learner, timezone_for_number(number))
        session.add(learner)
        session.flush()
        log.info("new learner %s on %s", learner.public_id, channel)
    return learner


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
