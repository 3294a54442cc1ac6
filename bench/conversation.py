"""What the simulated learners say, and the database reads and writes around it.

Every learner follows the conversation of the integration tests
(tests/integration/test_transcripts.py), in Spanish: join, language, consent,
course, delivery time, days of the week (the first lesson and its quiz
arrive), a right and a wrong answer, progress, STOP (left out where every
message is posted at once: ``script``). Five of the ten messages are bare
numbers or keywords, which the worker's fast path sends to Rasa as intents.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.clock import utc_now
from bot.learners.progress import ordered_courses
from bot.models import InboundMessage, Learner, OutboxMessage
from bot.phones import encrypt_phone, phone_hash
from bot.settings import Settings
from bot.text.languages import LANGUAGES
from bot.vocab import InboundStatus, LearnerStatus, OutboxStatus
from lessons import load_catalog

COURSE = "entrepreneurship"


def script(settings: Settings, stop: bool = True) -> list[str]:
    """The learner's messages in order; ``stop=False``: without the final STOP.

    The throughput rows post every learner's messages within a second or two.
    lessonbot's webhook applies a STOP as it stores it (before the learner's
    earlier turns have run), so with the STOP in the batch most turns would
    run for a learner who had already opted out and write no replies: those
    rows leave it out, for bare Rasa and lessonbot alike.
    """
    catalog = load_catalog(settings.lessons_path)
    courses = [course.key for course in ordered_courses(catalog)]
    lesson = catalog.course(COURSE).lessons[0]
    first, second = lesson.questions[0], lesson.questions[1]
    wrong = next(n for n in range(1, len(second.options) + 1) if n != second.correct_number)
    return [
        "Hola",
        str(LANGUAGES.index("es") + 1),
        "si",
        str(courses.index(COURSE) + 1),
        "a las 7 de la noche",
        "lun mie vie",
        str(first.correct_number),
        str(wrong),
        "progreso",
        *(["BAJA"] if stop else []),
    ]


def numbers(phase: int, count: int) -> list[str]:
    """Distinct Panamanian mobile numbers, a fresh set for each phase of the run."""
    return [f"+5076{phase:02d}{n:05d}" for n in range(count)]


def round_robin(learners: list[str], messages: list[str]) -> list[tuple[str, str]]:
    """Every learner's first message, then every learner's second, ...: in order per learner."""
    return [(learner, text) for text in messages for learner in learners]


def add_learners(
    sessions: sessionmaker[Session],
    settings: Settings,
    phones: list[str],
    public_id_is_number: bool = False,
    status: str = LearnerStatus.NEW,
) -> dict[str, str]:
    """Create learners as the webhook would (new); return number -> Rasa sender id.

    Rasa's Twilio connector uses the phone number as the conversation id, so
    its learners get the number as ``public_id`` (lessonbot never does that).
    """
    with sessions() as session:
        rows = {
            phone: Learner(
                phone_hash=phone_hash(phone, settings.secrets.phone_hash_key),
                phone_encrypted=encrypt_phone(phone, settings.secrets.phone_encryption_key),
                channel="sms",
                status=status,
                language="es" if status == LearnerStatus.ACTIVE else None,
                created_at=utc_now(),
                **({"public_id": phone} if public_id_is_number else {}),
            )
            for phone in phones
        }
        session.add_all(rows.values())
        session.commit()
        return {phone: learner.public_id for phone, learner in rows.items()}


def last_ids(sessions: sessionmaker[Session]) -> tuple[int, int]:
    """The newest inbound and outbox ids: what a phase counts from."""
    with sessions() as session:
        inbound = session.scalar(select(func.max(InboundMessage.id))) or 0
        outbox = session.scalar(select(func.max(OutboxMessage.id))) or 0
        return inbound, outbox


def count_inbound(sessions: sessionmaker[Session], after_id: int, status: str) -> int:
    with sessions() as session:
        query = select(func.count()).where(
            InboundMessage.id > after_id, InboundMessage.status == status
        )
        return int(session.scalar(query) or 0)


def count_outbox(sessions: sessionmaker[Session], after_id: int) -> int:
    with sessions() as session:
        query = select(func.count()).where(OutboxMessage.id > after_id)
        return int(session.scalar(query) or 0)


def cancel_backlog(sessions: sessionmaker[Session]) -> dict[str, int]:
    """Settle what a phase left pending, so that the next phase starts with no backlog."""
    with sessions() as session:
        inbound = session.execute(
            update(InboundMessage)
            .where(InboundMessage.status == InboundStatus.PENDING)
            .values(status=InboundStatus.FAILED, last_error="benchmark: phase over")
        )
        outbox = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.FAILED, error_message="benchmark: phase over")
        )
        session.commit()
        return {"inbound": inbound.rowcount, "outbox": outbox.rowcount}  # type: ignore[attr-defined]


def fill_outbox(
    sessions: sessionmaker[Session], learner_numbers: dict[str, str], count: int, tag: str
) -> None:
    """``count`` replies waiting for the sender, spread over the given learners."""
    with sessions() as session:
        ids = dict(
            session.execute(
                select(Learner.public_id, Learner.id).where(
                    Learner.public_id.in_(list(learner_numbers.values()))
                )
            ).all()
        )
        learners = list(ids.values())
        now = utc_now()
        session.add_all(
            OutboxMessage(
                idempotency_key=f"bench-{tag}-{n}",
                learner_id=learners[n % len(learners)],
                kind="reply",
                body="¿Cuál es la mejor forma de cuidar tu dinero?",
                options=["Guardarlo en casa", "Una cuenta de ahorros", "Prestarlo"],
                created_at=now,
            )
            for n in range(count)
        )
        session.commit()
