"""A simulated learner's phone for integration tests.

It sends through the real, signed webhook, runs the real worker against the
real Rasa server, sends through the local channel, and reads back what the
phone would show (each reply rendered for the learner's channel).

On WhatsApp a message with options or a keyword menu shows buttons or a list
(bot.text.choices); ``tap`` posts exactly what Twilio posts when the learner
taps one (``bot.local.chat.tap_form``), with the ids of the choice the sender
built for that message when it sent it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import utc_now
from bot.inbox.desk import DESK
from bot.local.chat import Buttons, tap_form
from bot.messaging.channels.local import LocalChannel
from bot.messaging.content import row_choice
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


@dataclass(frozen=True)
class Shown:
    """A delivered WhatsApp message with buttons or a list: what a tap on it posts back."""

    buttons: Buttons
    # What each button stands for: the option in full, or the menu's keyword.
    meanings: tuple[str, ...]


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
    # WhatsApp: each delivered message with buttons or a list, oldest first, as
    # shown when it was sent (its ids depend on the learner's language then).
    buttons: list[Shown] = field(default_factory=list)
    buttons_seen_id: int = 0

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
                self._note_buttons()
                return
        raise AssertionError("the worker did not settle")

    def tap(self, number: int, message_back: int = 0) -> list[str]:
        """Tap button or list item ``number`` (1-based); return the texts the phone then shows.

        It is under the latest message with buttons, or, with ``message_back``,
        that many such messages further up (the learner scrolled up).
        """
        shown = self.shown(message_back).buttons
        titles = shown.choice.titles
        assert 1 <= number <= len(titles), f"no button {number} among {titles}"
        form = tap_form(shown, number)
        self.post(form.pop("Body"), **form)
        self.work()
        return self.received()

    def tap_on(self, meaning: str, message_back: int = 0) -> list[str]:
        """Tap the button that stands for ``meaning`` (an option's text, a menu keyword)."""
        meanings = self.shown(message_back).meanings
        assert meaning in meanings, f"no button for {meaning!r} among {meanings}"
        return self.tap(meanings.index(meaning) + 1, message_back)

    def choices_shown(self, message_back: int = 0) -> tuple[str, ...]:
        """The titles of the buttons or list items under the latest message that has some."""
        return self.shown(message_back).buttons.choice.titles

    def shown(self, message_back: int = 0) -> Shown:
        """The buttons of the latest delivered message with a choice, or of an older one."""
        assert self.channel == "whatsapp", "only WhatsApp shows buttons"
        assert message_back < len(self.buttons), (
            f"{len(self.buttons)} message(s) with buttons delivered, none {message_back} back"
        )
        return self.buttons[-1 - message_back]

    def _note_buttons(self) -> None:
        if self.channel != "whatsapp":
            return
        with self.sessions() as session:
            learner = self._known_learner(session)
            if learner is None:
                return
            rows = _rows_after(session, learner.id, self.buttons_seen_id)
            if rows:
                self.buttons_seen_id = rows[-1].id
            # The ids depend on the learner's language as the message goes out
            # (bot.messaging.sender); before one is chosen, the default's.
            language = learner.language or self.settings.languages.default
            for row in rows:
                choice = row_choice(row, language) if row.status == "delivered" else None
                if choice is not None:
                    words = tuple(str(word) for word, _what in row.keywords or ())
                    meanings = words or tuple(row.options or ())
                    self.buttons.append(Shown(Buttons(choice, row.provider_sid), meanings))

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
            learner = self._known_learner(session)
            if learner is None:
                return []
            rows = _rows_after(session, learner.id, self.seen_outbox_id)
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

    def _known_learner(self, session: Session) -> Learner | None:
        learner = self.learner(session)
        if learner is None and self.learner_id is not None:
            learner = session.get(Learner, self.learner_id)
        if learner is not None:
            self.learner_id = learner.id
        return learner

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


def _rows_after(session: Session, learner_id: int, seen_id: int) -> list[OutboxMessage]:
    """The learner's outbox rows written after ``seen_id``, oldest first."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.learner_id == learner_id, OutboxMessage.id > seen_id)
            .order_by(OutboxMessage.id)
        )
    )
