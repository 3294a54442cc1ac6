"""The worker's own CPU per turn, Rasa left out.

    .venv/bin/python scripts/bench_worker_turn.py [--turns 300]

Runs one message each of ``--turns`` learners through the worker's turn path
(the claim, the hand-off state, the call to Rasa, the replies written, the
message marked done) on a temporary SQLite database, against a stand-in for
Rasa in the same process that answers two texts at once, so that only the
worker's own work is counted. Two passes: one claim per turn
(``run_turns_once``, the worst case) and the worker's threads
(``TurnRunner``, as ``lessonbot worker`` runs). Prints this process's CPU
milliseconds per turn (``time.process_time``: a busy host moves it less
than wall time) and the SQL statements and commits per turn.

To compare two commits, run it in a worktree of each, one after the other.
The full picture (Rasa, the action server, the web, the sender) is
``make bench``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.conversation import add_learners
from bot.db import make_engine, make_session_factory, session_scope
from bot.inbox.desk import DESK
from bot.messaging.worker import TurnRunner, run_turns_once
from bot.migrate import upgrade
from bot.models import InboundMessage, Learner
from bot.settings import Settings, load_settings
from bot.vocab import LearnerStatus

NOW = datetime(2026, 12, 7, 9, 0)  # naive UTC, as the app stores times


class StandInRasa:
    """Answers every message at once with two texts, as a lesson turn does."""

    def send_message(self, sender: str, text: str, metadata: dict[str, Any]) -> list[dict]:
        return [
            {"recipient_id": sender, "text": "Bienvenido a la lección de hoy."},
            {"recipient_id": sender, "text": "Pregunta 1: a) sí b) no c) a veces"},
        ]

    def close(self) -> None:
        pass


def settings_in(folder: Path) -> Settings:
    return load_settings().with_overrides(
        {
            "app.database_url": f"sqlite:///{folder / 'lessonbot.db'}",
            "rasa.tracker_store_url": f"sqlite:///{folder / 'rasa_tracker.db'}",
            "secrets.phone_hash_key": "bench-hash-key",
            "secrets.phone_encryption_key": Fernet.generate_key().decode(),
            "webhook.spool_directory": str(folder / "spool"),
        }
    )


def seed(sessions: sessionmaker[Session], settings: Settings, first: int, turns: int) -> None:
    """``turns`` active learners with one message each (numbers from ``first`` on)."""
    phones = [f"+5076{number:07d}" for number in range(first, first + turns)]
    public_ids = add_learners(sessions, settings, phones, status=LearnerStatus.ACTIVE)
    with session_scope(sessions) as session:
        learners = session.execute(
            select(Learner.public_id, Learner.id).where(
                Learner.public_id.in_(list(public_ids.values()))
            )
        )
        session.add_all(
            InboundMessage(
                message_sid=f"SM{public_id}",
                learner_id=learner_id,
                channel="sms",
                body="quiero la siguiente lección",
                num_media=0,
                received_at=NOW,
            )
            for public_id, learner_id in learners
        )


@dataclass(frozen=True)
class Pass:
    name: str
    turns: int
    cpu_ms: float
    statements: int
    commits: int

    def line(self) -> str:
        per_turn = self.turns or 1
        return (
            f"{self.name:<34} {self.cpu_ms / per_turn:6.2f} ms CPU per turn, "
            f"{self.statements / per_turn:5.2f} statements, "
            f"{self.commits / per_turn:4.2f} commits"
        )


def measure(name: str, turns: int, run: Callable[[], int], counts: Counter[str]) -> Pass:
    counts.clear()
    started = time.process_time()
    answered = run()
    cpu_ms = (time.process_time() - started) * 1000
    if answered != turns:
        raise SystemExit(f"{name}: {answered} of {turns} turns answered")
    return Pass(name, turns, cpu_ms, counts["statements"], counts["commits"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300)
    turns = parser.parse_args(argv).turns
    print(f"{turns} turns per pass, SQLite, a stand-in Rasa answering two texts")
    for result in passes(turns):
        print(result.line())
    return 0


def passes(turns: int) -> list[Pass]:
    """One pass with one claim per turn, one with the worker's threads."""
    with tempfile.TemporaryDirectory(prefix="lessonbot-worker-turn-") as folder:
        settings = settings_in(Path(folder))
        upgrade(settings)
        engine = make_engine(settings.app.database_url)
        sessions = make_session_factory(engine)
        counts: Counter[str] = Counter()
        event.listen(engine, "before_cursor_execute", lambda *_: counts.update(["statements"]))
        event.listen(engine, "commit", lambda *_: counts.update(["commits"]))
        rasa: Any = StandInRasa()

        def one_claim_per_turn() -> int:
            done = 0
            while done < turns:
                pass_done = run_turns_once(sessions, rasa, settings, NOW, desk=DESK)
                if not pass_done:
                    break
                done += pass_done.get("answered", 0)
            return done

        def with_threads() -> int:
            runner = TurnRunner(sessions, rasa, settings, DESK)
            done = 0
            while done < turns:
                step = runner.step(NOW)
                done += step.get("answered", 0)
                if not step:
                    break
            runner.finish()
            return done

        seed(sessions, settings, 0, turns)
        single = measure("one claim per turn", turns, one_claim_per_turn, counts)
        seed(sessions, settings, turns, turns)
        concurrency = settings.worker.turn_concurrency
        threaded = measure(f"{concurrency} threads (TurnRunner)", turns, with_threads, counts)
        engine.dispose()
    return [single, threaded]


if __name__ == "__main__":
    sys.exit(main())
