"""A simulated learner's phone for integration tests.

It sends through the real, signed webhook, runs the real worker against the
real Rasa server, sends through the local channel, and reads back what the
phone would show (each reply rendered for the learner's channel).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import utc_now
from bot.inbox.desk import DESK
from bot.messaging.channels.local import LocalChannel
from bot.messaging.pacer import Pacer
from bot.messaging.rasa_client import RasaClient
from bot.messaging.worker import run_sends_once, run_turns_once
from bot.models import InboundMessage, Learner, OutboxMessage
from bot.phones import phone_hash
from bot.settings import Settings
from bot.text.render import Message, render
from bot.vocab import InboundStatus
from tests.builders import inbound_form, signed_post

MAX_PASSES = 50


@dataclass
class Phone:
    client: Any  # Flask test client
    settings: Settings
    sessions: sessionmaker[Session]
    rasa: RasaClient
    number: str
    channel: str = "sms"
    seen_outbox_id: int = 0
    # Remembered once found: after an erasure the number no longer finds the learner.
    learner_id: int | None = None
    sent_sids: list[str] = field(default_factory=list)

    def post(self, body: str, message_sid: str | None = None, **extra: str) -> str:
        """Deliver one message to the webhook, as Twilio would; return its MessageSid."""
        form = inbound_form(
            body, number=self.number, channel=self.channel, message_sid=message_sid, **extra
        )
        response = signed_post(self.client, self.settings, "/twilio/inbound", form)
        assert response.status_code == 200, response.get_data(as_text=True)
        self.sent_sids.append(form["MessageSid"])
        return form["MessageSid"]

    def work(self, rasa: RasaClient | None = None) -> None:
        """Let the worker answer everything pending, then send the outbox."""
        channel = LocalChannel()
        pacer = Pacer(self.settings.sender.rate_per_second)
        for _ in range(MAX_PASSES):
            turns = run_turns_once(
                self.sessions, rasa or self.rasa, self.settings, utc_now(), desk=DESK
            )
            sends = run_sends_once(self.sessions, channel, self.settings, pacer, utc_now())
            if not turns and not sends:
                return
        raise AssertionError("the worker did not settle")

    def say(self, body: str, **extra: str) -> list[str]:
        """Send a message and return the texts the phone shows in answer."""
        self.post(body, **extra)
        self.work()
        return self.received()

    def onboard(
        self,
        language: str = "1",
        yes: str = "si",
        course: str = "1",
        time: str = "4",
        days: str = "1",
    ) -> list[str]:
        """Join and answer every onboarding question; return what the last answer brought.

        By default: Spanish, entrepreneurship, evening (7 pm), every day; the
        confirmation, lesson 1 and its first question are what comes back.
        """
        for message in ("hola", language, yes, course, time):
            self.say(message)
        return self.say(days)

    def received(self) -> list[str]:
        """Texts delivered to this phone since the last call, rendered for its channel."""
        with self.sessions() as session:
            learner = self.learner(session)
            if learner is None and self.learner_id is not None:
                learner = session.get(Learner, self.learner_id)
            if learner is None:
                return []
            self.learner_id = learner.id
            rows = list(
                session.scalars(
                    select(OutboxMessage)
                    .where(
                        OutboxMessage.learner_id == learner.id,
                        OutboxMessage.id > self.seen_outbox_id,
                    )
                    .order_by(OutboxMessage.id)
                )
            )
            if rows:
                self.seen_outbox_id = rows[-1].id
            language = learner.language or self.settings.languages.default
            return [
                render(
                    Message(row.body or "", tuple(row.options or ())),
                    learner.channel,
                    language,
                    self.settings.sms_accent_free(language),
                )
                for row in rows
                if row.status == "delivered"
            ]

    def learner(self, session: Session) -> Learner | None:
        key = phone_hash(self.number, self.settings.secrets.phone_hash_key)
        return session.scalar(select(Learner).where(Learner.phone_hash == key))

    def inbound_statuses(self, session: Session) -> list[str]:
        rows = session.scalars(
            select(InboundMessage)
            .where(InboundMessage.message_sid.in_(self.sent_sids))
            .order_by(InboundMessage.id)
        )
        return [row.status for row in rows]

    def all_answered(self, session: Session) -> bool:
        return all(status == InboundStatus.DONE for status in self.inbound_statuses(session))
