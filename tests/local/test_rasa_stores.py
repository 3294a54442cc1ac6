"""Rasa's endpoints file is written from the settings; Rasa's own code reads it.

The PostgreSQL and Redis case runs Rasa's tracker and lock store code (in
Rasa's environment) against the local servers: Rasa writes a conversation,
the app erases it again through the same settings.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text

from bot.local.rasa_stores import endpoints_path, write_endpoints
from bot.local.up import RASA_PYTHON, process_environment, process_table
from bot.messaging.rasa_client import RasaClient
from bot.settings import Settings
from tests.conftest import make_test_settings
from tests.postgres import scratch_database

TRACKER_PASSWORD = "tracker-password-for-the-test"
LOCK_PASSWORD = "lock-password-for-the-test"

# Rasa's code, in Rasa's environment: build both stores from the file, save a
# conversation, and hold the conversation's lock while listing Redis's keys.
RASA_SIDE = """
import asyncio, json, sys
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

endpoints = AvailableEndpoints.read_endpoints(sys.argv[1])
store = TrackerStore.create(endpoints.tracker_store, Domain.empty())
locks = LockStore.create(endpoints.lock_store)

async def main():
    tracker = DialogueStateTracker.from_events(sys.argv[2], [UserUttered("me llamo Ana")])
    await store.save(tracker)
    async with locks.lock(sys.argv[2]):
        held = sorted(k.decode() for k in locks.red.keys("*"))
    print(json.dumps({"tracker": type(store).__name__, "locks": type(locks).__name__,
                      "held": held}))

asyncio.run(main())
"""


def read(path: Path) -> dict:  # type: ignore[type-arg]
    return dict(yaml.safe_load(path.read_text()))


def test_one_machine_gets_sqlite_and_an_in_memory_lock_store(tmp_path: Path) -> None:
    settings = make_test_settings(tmp_path, {"rasa.actions_port": 5999})

    written = read(write_endpoints(settings, tmp_path / "run" / "endpoints.yml"))

    assert written == {
        "action_endpoint": {"url": "http://127.0.0.1:5999/webhook"},
        "tracker_store": {
            "type": "SQL",
            "dialect": "sqlite",
            "db": str(tmp_path / "rasa_tracker.db"),
        },
        "lock_store": {"type": "in_memory"},
    }


def shared_settings(tmp_path: Path, tracker_url: str, redis_db: int) -> Settings:
    return make_test_settings(
        tmp_path,
        {
            "rasa.urls": ["http://127.0.0.1:5105", "http://127.0.0.1:5106"],
            "rasa.tracker_store_url": tracker_url,
            "rasa.lock_store_url": f"redis://127.0.0.1:6379/{redis_db}",
            "rasa.actions_url": "http://actions:5055/webhook",
        },
    )


def test_the_passwords_stay_in_the_environment(tmp_path: Path) -> None:
    settings = shared_settings(tmp_path, "postgresql://rasa@db:5432/rasa_tracker", 1)
    settings = settings.with_overrides(
        {"rasa.tracker_store_password": TRACKER_PASSWORD, "rasa.lock_store_password": LOCK_PASSWORD}
    )

    table = process_table(settings, workers=2)
    endpoints = endpoints_path(5106)
    text_written = endpoints.read_text()

    assert {"rasa1", "rasa2", "worker1", "worker2", "scheduler"} <= set(table)
    assert str(endpoints) in table["rasa2"][0]
    assert TRACKER_PASSWORD not in text_written and LOCK_PASSWORD not in text_written
    assert read(endpoints)["tracker_store"] == {
        "type": "SQL",
        "dialect": "postgresql",
        "url": "db",
        "port": 5432,
        "db": "rasa_tracker",
        "username": "rasa",
        "password": "${LESSONBOT_RASA_TRACKER_STORE_PASSWORD}",
    }
    assert read(endpoints)["lock_store"]["password"] == "${LESSONBOT_RASA_LOCK_STORE_PASSWORD}"
    assert read(endpoints)["action_endpoint"] == {"url": "http://actions:5055/webhook"}
    rasa_env = process_environment(settings, "rasa")
    assert rasa_env["LESSONBOT_RASA_TRACKER_STORE_PASSWORD"] == TRACKER_PASSWORD
    assert rasa_env["LESSONBOT_RASA_LOCK_STORE_PASSWORD"] == LOCK_PASSWORD
    assert "LESSONBOT_RASA_TRACKER_STORE_PASSWORD" not in process_environment(settings, "actions")


@pytest.mark.postgres
def test_rasa_keeps_conversations_in_postgresql_and_locks_in_redis_and_the_app_erases_them(
    tmp_path: Path,
) -> None:
    redis_db = 14
    sender = "L" + secrets.token_hex(6)
    with scratch_database("rasa_tracker") as url:
        settings = shared_settings(tmp_path, url, redis_db)
        endpoints = write_endpoints(settings, tmp_path / "endpoints.yml")
        done = subprocess.run(
            [str(RASA_PYTHON), "-c", RASA_SIDE, str(endpoints), sender],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        rasa_side = json.loads(done.stdout.strip().splitlines()[-1])

        engine = create_engine(url)
        with engine.connect() as connection:
            count = "SELECT count(*) FROM events WHERE sender_id = :s"
            stored = connection.execute(text(count), {"s": sender}).scalar_one()
        rasa = RasaClient(settings)
        try:
            erased = rasa.tracker_store.delete_conversation(sender)
        finally:
            rasa.close()
        with engine.connect() as connection:
            left = connection.execute(text(count), {"s": sender}).scalar_one()
        engine.dispose()

    assert rasa_side["tracker"] == "SQLTrackerStore"
    assert rasa_side["locks"] == "RedisLockStore"
    assert f"lessonbot:lock:{sender}" in rasa_side["held"]
    assert stored >= 1
    assert erased == stored
    assert left == 0


def test_rasa_endpoints_command_writes_the_file_a_container_reads(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bot.cli import main

    output = tmp_path / "run" / "endpoints.yml"
    environ = {
        "LESSONBOT_RASA_TRACKER_STORE_URL": "postgresql://rasa@postgres:5432/rasa_tracker",
        "LESSONBOT_RASA_LOCK_STORE_URL": "redis://redis:6379/1",
        "LESSONBOT_RASA_LOCK_STORE_PASSWORD": LOCK_PASSWORD,
    }
    result = CliRunner().invoke(main, ["rasa-endpoints", "--output", str(output)], env=environ)

    assert result.exit_code == 0, result.output
    assert read(output)["lock_store"]["password"] == "${LESSONBOT_RASA_LOCK_STORE_PASSWORD}"
    assert read(output)["tracker_store"]["db"] == "rasa_tracker"
    assert LOCK_PASSWORD not in output.read_text()


def test_up_refuses_two_rasa_servers_on_sqlite_before_starting_anything(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from bot.cli import main

    environ = {
        "LESSONBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "LESSONBOT_RASA_TRACKER_STORE_URL": f"sqlite:///{tmp_path / 'tracker.db'}",
    }
    result = CliRunner().invoke(main, ["up", "--rasa-servers", "2"], env=environ)

    assert result.exit_code == 2
    assert "several Rasa servers need a shared lock store" in result.output
    assert not (tmp_path / "app.db").exists()  # not even migrated
