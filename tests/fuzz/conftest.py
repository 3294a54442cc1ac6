"""The fuzz tests' app: one database with learners, outbox rows and an admin, and a recorder.

Every request goes through the Flask test client with exceptions not
propagated, as in production: an unhandled exception becomes a 500 and is
recorded (Flask's ``got_request_exception``), and each test fails on either.
``LESSONBOT_FUZZ_EXAMPLES`` sets the inputs per endpoint (``make fuzz``: 10,000);
the counts are printed at the end of the run.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, got_request_exception
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from bot import create_app
from bot.db import make_engine, make_session_factory
from bot.migrate import upgrade
from bot.services import services
from bot.settings import Settings
from bot.staff.accounts import create_user
from bot.vocab import OutboxStatus
from tests.builders import NOW, add_learner, add_outbox, new_sid
from tests.conftest import make_test_settings

FUZZ_EXAMPLES = int(os.environ.get("LESSONBOT_FUZZ_EXAMPLES", "150"))
FUZZ = hypothesis_settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    database=None,  # nothing written into the project; a failure prints its example
    print_blob=True,
    # One app and database serve all of a test's examples (built once: argon2
    # and migrations are slow on purpose); the loopback guard is autouse.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ADMIN = "fuzz-admin@example.org"
PASSWORD = "correct horse battery staple"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
# Inputs tried and server errors seen, per endpoint, for the summary.
TRIED: Counter[str] = Counter()
FAILED: Counter[str] = Counter()
ANSWERS: dict[str, Counter[int]] = {}


@dataclass
class FuzzApp:
    app: Flask
    settings: Settings
    provider_sids: list[str]
    references: list[str]
    public_ids: list[str]
    errors: list[BaseException] = field(default_factory=list)

    def check(self, endpoint: str, response: Any) -> None:
        """Count the input; fail on a 500 or on any exception the app did not handle."""
        TRIED[endpoint] += 1
        ANSWERS.setdefault(endpoint, Counter())[response.status_code] += 1
        errors, self.errors[:] = list(self.errors), []
        if errors or response.status_code >= 500:
            FAILED[endpoint] += 1
        assert not errors, f"{endpoint}: unhandled {errors[0]!r}"
        assert response.status_code < 500, f"{endpoint}: {response.status_code}"


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzApp]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    settings = make_test_settings(folder, {"webhook.spool_directory": str(folder / "spool")})
    upgrade(settings)
    engine = make_engine(settings.app.database_url)
    with make_session_factory(engine)() as session:
        create_user(session, ADMIN, "admin", PASSWORD, NOW)
        session.commit()
        sids, references, public_ids = [], [], []
        for index in range(4):
            learner = add_learner(session, settings, number=f"+5076100000{index}")
            public_ids.append(learner.public_id)
            row = add_outbox(session, learner)
            if index % 2:  # half handed to Twilio, half whose send was never recorded
                row.provider_sid, row.status = new_sid(), OutboxStatus.SENT
                sids.append(row.provider_sid)
            references.append(row.idempotency_key)
        session.commit()
    engine.dispose()
    # As in production: an exception is a 500, not raised into the test.
    app = create_app({"PROPAGATE_EXCEPTIONS": False}, settings=settings)
    services(app).clock = lambda: NOW
    made = FuzzApp(app, settings, sids, references, public_ids)

    def record(_sender: Flask, exception: BaseException, **_extra: Any) -> None:
        made.errors.append(exception)

    got_request_exception.connect(record, app)
    yield made
    got_request_exception.disconnect(record, app)
    services(app).close()


def csrf_token(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


@pytest.fixture(scope="module")
def admin(fuzz_app: FuzzApp) -> Any:
    """A test client logged in as an admin (every staff and coordinator page)."""
    client = fuzz_app.app.test_client()
    token = csrf_token(client.get("/staff/login").get_data(as_text=True))
    response = client.post(
        "/staff/login", data={"email": ADMIN, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not TRIED:
        return
    terminalreporter.section("fuzz: inputs per endpoint")
    for endpoint, count in sorted(TRIED.items()):
        answers = ", ".join(f"{code}: {n}" for code, n in sorted(ANSWERS[endpoint].items()))
        terminalreporter.write_line(
            f"{endpoint:40} {count:6d} inputs, {FAILED[endpoint]} server errors ({answers})"
        )
