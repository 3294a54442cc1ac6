"""The learners who do not talk during a run, and the broadcast, set up as staff would.

A 5,000-recipient broadcast needs 5,000 learners who finished onboarding;
walking each through Rasa would take hours, so the silent ones are written to
the learner table directly (reflected, not imported: the app's models may
move), with their numbers hashed and encrypted as the app does. Those who
said STOP long ago are there too: they must get nothing. The broadcast
itself is created and sent with `lessonbot broadcast`, as staff do.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

from sqlalchemy import MetaData, Table, create_engine, insert

from tests.faults import appside
from tests.faults.learners import LANGUAGES
from tests.faults.stack import STAFF_EMAIL, run_cli

BROADCAST_TEXTS = {
    "es": "Hola: esta semana hay una lección nueva sobre cómo cuidar tus ahorros.",
    "en": "Hi: this week there is a new lesson on how to look after your savings.",
    "fr": "Bonjour : cette semaine, une nouvelle leçon sur comment protéger ton épargne.",
    "ht": "Bonjou: semèn sa a gen yon nouvo leson sou kijan pou pwoteje ekonomi ou.",
}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def seed_learners(
    env: dict[str, str], rng: random.Random, active: int, opted_out: int
) -> dict[str, list[str]]:
    """Write silent active and long-opted-out SMS learners; their numbers by group, in id order.

    The n-th learner of a group speaks ``LANGUAGES[n % 4]``.
    """
    settings = appside.settings_from(env)
    engine = create_engine(settings.app.database_url)
    try:
        learner = Table("learner", MetaData(), autoload_with=engine)
        numbers = {
            "active": [f"+50768{n:06d}" for n in rng.sample(range(10**6), active)],
            "opted_out": [f"+50767{n:06d}" for n in rng.sample(range(10**6), opted_out)],
        }
        now = _now()
        keys = settings.secrets
        rows = [
            {
                "public_id": f"L{rng.getrandbits(64):016x}",
                "phone_hash": appside.phone_hash(number, keys.phone_hash_key),
                "phone_encrypted": appside.encrypt_phone(number, keys.phone_encryption_key),
                "channel": "sms",
                "language": LANGUAGES[index % len(LANGUAGES)],
                "status": group,
                "timezone": "America/Panama",
                "delivery_days": "1111111",
                "consent_at": now,
                "created_at": now,
                "opted_out_at": now if group == "opted_out" else None,
            }
            for group, group_numbers in numbers.items()
            for index, number in enumerate(group_numbers)
        ]
        with engine.begin() as connection:
            for start in range(0, len(rows), 1000):
                connection.execute(insert(learner), rows[start : start + 1000])
    finally:
        engine.dispose()
    return numbers


def create_broadcast(env: dict[str, str]) -> int:
    """A draft to every active learner, in their language; its id.

    Made before any learner exists (in the template database), so the CLI
    reports the empty audience (exit 2); any other error is a failure.
    """
    texts = [f"--text={lang}={text}" for lang, text in BROADCAST_TEXTS.items()]
    out = run_cli(env, "broadcast", "create", "--as", STAFF_EMAIL, *texts, "--json", exits=(0, 2))
    created = json.loads(out)
    other = [error for error in created["errors"] if error["field"] != "audience"]
    if other:
        raise RuntimeError(f"broadcast draft refused: {other}")
    return int(created["id"])


def send_broadcast(env: dict[str, str], broadcast_id: int) -> None:
    """Send it now: the recipients are fixed, the scheduler feeds them to the outbox."""
    run_cli(env, "broadcast", "send", str(broadcast_id), "--as", STAFF_EMAIL, "--json")
