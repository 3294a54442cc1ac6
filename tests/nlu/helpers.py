"""Builders for action tests: learners in the app database, trackers from dicts, a run helper."""

from __future__ import annotations

import asyncio
import inspect
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from bot.models import Learner
from bot.vocab import LearnerStatus
from tests.builders import new_sid

# A Monday, 9:00 in Panama (UTC-5, no daylight saving).
FIXED_NOW = datetime(2026, 3, 2, 14, 0)


class Clock:
    """The actions' clock; tests move it with ``clock.now = ...``."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def add_learner(session: Session, *, onboarded: bool = True, **fields: Any) -> Learner:
    """A learner as the webhook creates them, optionally through onboarding already."""
    values: dict[str, Any] = {
        "channel": "sms",
        "phone_hash": new_sid("H"),
        "phone_encrypted": "encrypted-number",
        "created_at": FIXED_NOW,
        "status": LearnerStatus.NEW,
    }
    if onboarded:
        values.update(
            status=LearnerStatus.ACTIVE,
            language="es",
            consent_at=FIXED_NOW,
            course_key="entrepreneurship",
            delivery_time="19:00",
        )
    values.update(fields)
    learner = Learner(**values)
    session.add(learner)
    session.commit()
    return learner


def tracker(
    learner: Learner | str,
    text: str = "",
    *,
    intent: str | None = None,
    entities: dict[str, str] | None = None,
    slots: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    events_before: list[dict[str, Any]] | None = None,
    events_after: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    """A tracker as Rasa sends it to the action server, for the learner's latest message."""
    sender = learner if isinstance(learner, str) else learner.public_id
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.99} if intent else {},
        "intent_ranking": [{"name": intent, "confidence": 0.99}] if intent else [],
        "entities": [{"entity": name, "value": value} for name, value in (entities or {}).items()],
        "metadata": {"message_sid": new_sid(), "channel": "sms", **(metadata or {})},
    }
    events = [
        *(events_before or []),
        {"event": "action", "name": "action_listen", "timestamp": 1.0},
        {"event": "user", "text": text, "parse_data": latest, "timestamp": 2.0},
        *(events_after or []),
    ]
    all_slots = {"onboarded": False, "requested_slot": None, "language": None, "consent": None}
    all_slots.update({"course": None, "delivery_time": None, "delivery_days": None})
    all_slots.update(slots or {})
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": all_slots,
            "latest_message": latest,
            "events": events,
            "active_loop": {"name": active_loop} if active_loop else {},
        }
    )


@dataclass
class Result:
    """What the learner would see (the payloads) and the events returned to Rasa."""

    messages: list[dict[str, Any]]
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [message["text"] for message in self.messages]

    @property
    def slots(self) -> dict[str, Any]:
        return {e["name"]: e["value"] for e in self.events if e.get("event") == "slot"}


def run(action: Action, tracker: Tracker, domain: dict[str, Any]) -> Result:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, domain)
    if inspect.isawaitable(events):
        events = asyncio.run(events)
    payloads = [message["custom"] for message in dispatcher.messages]
    return Result(payloads, list(events or []))


def reload(session: Session, learner: Learner) -> Learner:
    """The learner as the actions left it (they commit through sessions of their own)."""
    session.rollback()  # ends the test's read snapshot, if one is open
    session.expire_all()
    found = session.get(Learner, learner.id)
    assert found is not None
    return found
