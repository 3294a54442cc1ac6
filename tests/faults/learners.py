"""Simulated learners: signed inbound webhooks in four languages, open loop, as Twilio posts them.

Each learner follows a whole conversation in their language (join, language,
consent, course, time, days, lesson 1 and two answers, a free question,
progress, thanks) and ends with STOP or with chatter. Their messages arrive
in round-robin order at a fixed rate whether or not anything was answered
(people write when they want, and Twilio does not wait for the bot), so a
learner's messages are ``learners / rate`` seconds apart.

Each post is signed with twilio's own ``RequestValidator`` and behaves as
Twilio's webhook client does by default: a connection that cannot be made
is tried once more (connection override ``rc=1``, ``rp=ct``); an answer that
is an error, or none within 15 s, is not retried.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from dataclasses import dataclass, field

import aiohttp
from twilio.request_validator import RequestValidator

from tests.builders import inbound_form

TWILIO_TIMEOUT_SECONDS = 15.0
TWILIO_CONNECT_SECONDS = 5.0
# No HTTP answer because nothing listened or the connection was cut (a kill):
# the web process never acknowledged these; Twilio reports them as failed webhooks.
UNREACHABLE = frozenset({"connect", "ServerDisconnectedError", "ClientOSError"})

# (first words, language number, yes, time, days, free question, progress, thanks, STOP, chatter)
SCRIPTS = {
    "es": ("Hola", "1", "si", "a las 7 de la noche", "lun mie vie", "¿cuánto cuesta?",
           "progreso", "gracias", "BAJA", "ok"),
    "en": ("hi", "2", "yes", "7pm", "2", "how much does it cost?", "my progress", "thanks",
           "STOP", "ok"),
    "fr": ("bonjour", "3", "oui", "19h", "seulement le week-end", "combien ça coûte ?",
           "mes progres", "merci", "ARRET", "d'accord"),
    "ht": ("bonjou", "4", "wi", "7è di swa", "len mek van", "konbyen sa koute?", "pwogre mwen",
           "mèsi", "KANPE", "dakò"),
}  # fmt: skip
LANGUAGES = tuple(SCRIPTS)
# The place in ``conversation`` of the message that chooses the language.
LANGUAGE_CHOICE = 1


def conversation(language: str, stops: bool) -> tuple[str, ...]:
    """One learner's messages: onboarding, lesson 1's two answers, questions, then STOP or not."""
    hello, number, yes, at, days, question, progress, thanks, stop, chatter = SCRIPTS[language]
    course, right, wrong = "1", "1", "2"
    return (hello, number, yes, course, at, days, right, wrong, question, progress, thanks) + (
        (stop,) if stops else (chatter,)
    )


@dataclass(frozen=True)
class SimLearner:
    number: str
    language: str
    channel: str
    stops: bool
    script: tuple[str, ...]
    # Seeded with their language (the broadcast's stoppers); the others have
    # none until the bot answered their language choice (``LANGUAGE_CHOICE``).
    language_known: bool = False


def stopping(numbers: list[str], languages: list[str]) -> list[SimLearner]:
    """Learners who only write STOP, in their language (they are in the middle of a course)."""
    return [
        SimLearner(number, language, "sms", True, (SCRIPTS[language][8],), language_known=True)
        for number, language in zip(numbers, languages, strict=True)
    ]


def make_learners(rng: random.Random, count: int) -> list[SimLearner]:
    """``count`` learners: the four languages in turn, one in four on WhatsApp, a third stop."""
    numbers = rng.sample(range(10**6), count)
    learners = []
    for index in range(count):
        language = LANGUAGES[index % len(LANGUAGES)]
        stops = index % 3 == 0
        learners.append(
            SimLearner(
                number=f"+50769{numbers[index]:06d}",
                language=language,
                channel="whatsapp" if index % 4 == 1 else "sms",
                stops=stops,
                script=conversation(language, stops),
            )
        )
    return learners


@dataclass
class Sent:
    """One message a learner sent, and what the webhook made of it."""

    sid: str
    number: str
    index: int  # its place in the learner's script
    text: str
    is_stop: bool
    scheduled: float = 0.0  # time.monotonic()
    status: int | None = None
    error: str | None = None
    latency: float | None = None  # from its scheduled time to the answer
    acked_at: float | None = None  # time.time() of a 2xx answer

    @property
    def acked(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def unreachable(self) -> bool:
        return self.status is None and self.error in UNREACHABLE


@dataclass
class Simulator:
    learners: list[SimLearner]
    rate: float
    web_url: str
    auth_token: str
    sent: dict[str, Sent] = field(default_factory=dict)
    started: float = 0.0

    def __post_init__(self) -> None:
        longest = max(len(learner.script) for learner in self.learners)
        self.schedule = [
            (learner, index)
            for index in range(longest)
            for learner in self.learners
            if index < len(learner.script)
        ]
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    @property
    def duration(self) -> float:
        return len(self.schedule) / self.rate

    def start(self) -> None:
        self.started = time.monotonic() + 0.2
        self._thread.start()

    def join(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def finished(self) -> bool:
        return self.started > 0 and not self._thread.is_alive()

    async def _run(self) -> None:
        timeout = aiohttp.ClientTimeout(
            total=TWILIO_TIMEOUT_SECONDS, sock_connect=TWILIO_CONNECT_SECONDS
        )
        connector = aiohttp.TCPConnector(limit=0, force_close=True)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            tasks = []
            for position, (learner, index) in enumerate(self.schedule):
                scheduled = self.started + position / self.rate
                await asyncio.sleep(max(0.0, scheduled - time.monotonic()))
                tasks.append(asyncio.create_task(self._post(session, learner, index, scheduled)))
            await asyncio.gather(*tasks)

    async def _post(
        self, session: aiohttp.ClientSession, learner: SimLearner, index: int, scheduled: float
    ) -> None:
        text = learner.script[index]
        form = inbound_form(text, number=learner.number, channel=learner.channel)
        url = self.web_url + "/twilio/inbound"
        signature = RequestValidator(self.auth_token).compute_signature(url, form)
        is_stop = learner.stops and index == len(learner.script) - 1
        sent = Sent(form["MessageSid"], learner.number, index, text, is_stop)
        sent.scheduled = scheduled
        self.sent[sent.sid] = sent
        for attempt in range(2):
            try:
                async with session.post(
                    url, data=form, headers={"X-Twilio-Signature": signature}
                ) as answer:
                    await answer.read()
                    sent.status, sent.error = answer.status, None
                    if sent.acked:
                        sent.acked_at = time.time()
                    break
            except aiohttp.ClientConnectorError:
                sent.error = "connect"
                if attempt == 0:
                    await asyncio.sleep(1.0)
            except TimeoutError:
                sent.error = "timeout"
                break
            except aiohttp.ClientError as error:
                sent.error = type(error).__name__
                break
        sent.latency = time.monotonic() - scheduled
