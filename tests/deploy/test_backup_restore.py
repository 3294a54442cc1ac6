"""Backups that restore: deploy/backup.sh dumps, deploy/restore.sh brings the data back.

A migrated app database with learners and messages is dumped, the dump is
restored into another database, and the app reads its learners there; a
second restore over the first (the runbook's case: restoring into a live
database) gives the same rows again, not twice as many. A cut-off archive
is refused.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from bot.migrate import upgrade
from bot.models import Learner
from bot.phones import decrypt_phone
from bot.settings import Settings
from tests.builders import add_inbound, add_learner, add_outbox
from tests.conftest import make_test_settings
from tests.postgres import scratch_database

pytestmark = pytest.mark.postgres

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
NUMBERS = ["+50761110001", "+50761110002", "+50761110003"]
TABLES = ("learner", "inbound_message", "outbox_message", "alembic_version")


def run(*command: str, keep_days: str = "14") -> str:
    env = os.environ | {"LESSONBOT_BACKUP_KEEP_DAYS": keep_days}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {
                name: connection.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()  # noqa: S608
                for name in TABLES
            }
    finally:
        engine.dispose()


def seed(settings: Settings) -> None:
    upgrade(settings)
    engine = create_engine(settings.app.database_url)
    with Session(engine) as session:
        for number in NUMBERS:
            learner = add_learner(session, settings, number=number)
            add_inbound(session, learner, "hola")
            add_outbox(session, learner, "¡Bienvenida!")
    engine.dispose()


def phones(settings: Settings, url: str) -> list[str]:
    engine = create_engine(url)
    with Session(engine) as session:
        rows = session.scalars(select(Learner).order_by(Learner.id)).all()
        found = [
            decrypt_phone(r.phone_encrypted, settings.secrets.phone_encryption_key) for r in rows
        ]
    engine.dispose()
    return found


def test_a_dump_restores_into_another_database_and_over_itself(tmp_path: Path) -> None:
    with scratch_database("backup_src") as source, scratch_database("backup_dst") as target:
        settings = make_test_settings(tmp_path, {"app.database_url": source})
        seed(settings)
        before = counts(source)

        (archive,) = run(str(DEPLOY / "backup.sh"), str(tmp_path / "backups"), source).split()
        run(str(DEPLOY / "restore.sh"), archive, target)
        restored = counts(target)
        run(str(DEPLOY / "restore.sh"), archive, target)
        again = counts(target)
        restored_phones = phones(settings, target)

    assert before == {"learner": 3, "inbound_message": 3, "outbox_message": 3, "alembic_version": 1}
    assert restored == before
    assert again == before
    assert restored_phones == NUMBERS
    assert Path(archive).stat().st_mode & 0o077 == 0  # personal data: the owner's only


def test_a_cut_off_archive_is_refused_and_old_dumps_are_pruned(tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    old = backups / "lessonbot-20200101T000000Z.dump"
    old.write_bytes(b"old")
    os.utime(old, (0, 0))
    with scratch_database("backup_src") as source, scratch_database("backup_dst") as target:
        seed(make_test_settings(tmp_path, {"app.database_url": source}))
        (archive,) = run(str(DEPLOY / "backup.sh"), str(backups), source, keep_days="7").split()
        cut = tmp_path / "cut.dump"
        cut.write_bytes(Path(archive).read_bytes()[:2000])
        refused = subprocess.run(
            [str(DEPLOY / "restore.sh"), str(cut), target], capture_output=True, text=True
        )
        left = counts_or_none(target)

    assert not old.exists()
    assert Path(archive).exists()
    assert refused.returncode != 0
    assert left is None  # --single-transaction: nothing half-restored


def counts_or_none(url: str) -> dict[str, int] | None:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            exists = connection.execute(text("SELECT to_regclass('learner')")).scalar_one()
    finally:
        engine.dispose()
    return counts(url) if exists else None
