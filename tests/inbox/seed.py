"""Conversations for the inbox tests, on the dashboard's seeded database.

Learners with real (encrypted) phone numbers, so that a test can assert the
numbers never appear; NOW is the dashboard's fixed clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.inbox.conversations import open_for_learner
from bot.inbox.models import OpenedBy
from bot.models import InboundMessage, Learner, OutboxMessage
from bot.phones import encrypt_phone, phone_hash
from bot.settings import Settings
from tests.dashboard.seed import NOW


@dataclass(frozen=True)
class Seeded:
    public_id: str
    number: str
    conversation: int


# (public id, number, channel, language, profile name, last wrote, learner's question)
LEARNERS = (
    ("Linbox0sms", "+50761234567", "sms", "es", None, timedelta(hours=3),
     "Hola, ¿dónde recojo mi certificado?"),
    ("Linbox1wa", "+50769876543", "whatsapp", "ht", "Jean Pierre", timedelta(hours=1),
     "Bonjou, mwen gen yon kesyon sou leson an"),
    ("Linbox2wa", "+50765550101", "whatsapp", "fr", "Amélie", timedelta(days=2),
     "Bonjour, je n'ai pas reçu la leçon"),
)  # fmt: skip
NUMBERS = tuple(number for _, number, *_rest in LEARNERS)


def seed_inbox(
    session: Session, settings: Settings, now: datetime = NOW, learners: tuple = LEARNERS
) -> dict[str, Seeded]:
    """Open conversations (by default three), each learner waiting since their question."""
    key = settings.secrets.phone_encryption_key
    seeded = {}
    for public_id, number, channel, language, name, ago, question in learners:
        wrote = now - ago
        learner = Learner(
            public_id=public_id,
            phone_hash=phone_hash(number, settings.secrets.phone_hash_key),
            phone_encrypted=encrypt_phone(number, key),
            channel=channel,
            profile_name=name,
            language=language,
            status="active",
            created_at=now - timedelta(days=30),
            last_inbound_at=wrote,
        )
        session.add(learner)
        session.flush()
        session.add(
            OutboxMessage(
                idempotency_key=f"{public_id}:welcome",
                learner_id=learner.id,
                kind="reply",
                body="Bienvenida / Welcome",
                status="delivered",
                created_at=wrote - timedelta(minutes=10),
            )
        )
        session.add(
            InboundMessage(
                message_sid=f"SM{public_id}",
                learner_id=learner.id,
                channel=channel,
                body=question,
                received_at=wrote,
                status="done",
            )
        )
        opened = open_for_learner(session, learner.id, OpenedBy.LEARNER, wrote, settings, "asked")
        seeded[public_id] = Seeded(public_id, number, opened.conversation.id)
    session.commit()
    return seeded
