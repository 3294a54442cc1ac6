"""Fixtures of the fault suite: the session's Rasa server, a database per scenario, the table.

The seed of the run is printed with the table at the end of the session (and
is in every failure and in test-artifacts/faults.json); LESSONBOT_FAULTS_SEED
repeats a run's random kill points and faults.
"""

from __future__ import annotations

import random
import shutil
import signal
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.faults import appside, report, seed
from tests.faults.run import Recorder, Run
from tests.faults.scale import Scale, current_scale, current_seed
from tests.faults.stack import RasaServer, Secrets, prepare_database
from tests.faults.system import System
from tests.postgres import scratch_database

_RECORDER: list[Recorder] = []


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config: pytest.Config) -> None:
    # A SIGTERM (a CI timeout, `kill`) runs the teardowns as Ctrl-C does, so
    # that no process of a run outlives it (they run in sessions of their own).
    signal.signal(signal.SIGTERM, _interrupt)


LOGS = report.DEFAULT_PATH.parent / "faults-logs"


@pytest.fixture(scope="session")
def scale() -> Scale:
    return current_scale()


@pytest.fixture(scope="session")
def recorder(scale: Scale) -> Recorder:
    found = Recorder(report.run_header(scale.name, current_seed()), path=report.DEFAULT_PATH)
    _RECORDER.append(found)
    return found


@pytest.fixture(scope="session")
def rasa_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaServer]:
    missing = [p for p in ("nlu/models/lessonbot.tar.gz", ".venv-rasa/bin/rasa")]
    absent = [p for p in missing if not (appside.PROJECT_ROOT / p).exists()]
    if absent:
        pytest.fail("the fault suite needs " + ", ".join(absent) + ": run `make model`")
    workdir = tmp_path_factory.mktemp("faults-rasa")
    server = RasaServer(workdir, Secrets())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        _keep_logs(workdir, "rasa-server")


def _new_database(env: dict[str, str]) -> int:
    """Migrate, add the staff account and draft the broadcast; the draft's id."""
    prepare_database(env)
    return seed.create_broadcast(env)


@pytest.fixture(scope="session")
def sqlite_template(
    rasa_server: RasaServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, int]:
    """A migrated database with the staff account and a broadcast draft, copied per scenario."""
    path = tmp_path_factory.mktemp("faults-template") / "lessonbot.db"
    draft = _new_database(rasa_server.env() | {"LESSONBOT_DATABASE_URL": f"sqlite:///{path}"})
    return path, draft


def _settings_env(settings: dict[str, str]) -> dict[str, str]:
    return {
        "LESSONBOT_" + name.replace(".", "_").upper(): value for name, value in settings.items()
    }


@pytest.fixture
def fault_run(
    request: pytest.FixtureRequest,
    rasa_server: RasaServer,
    sqlite_template: tuple[Path, int],
    recorder: Recorder,
    scale: Scale,
    tmp_path: Path,
) -> Iterator[Callable[..., Run]]:
    """Make a scenario's run: ``fault_run(name, database="sqlite", settings={...})``.

    ``settings`` are config names ("worker.max_attempts") and values; any the
    app does not read makes the test fail (after the run, so that its numbers
    are still in the table) with "setting ... not supported".
    """
    with ExitStack() as cleanup:
        # Last in, first out: the logs are copied once every process has stopped.
        cleanup.callback(_keep_logs, tmp_path, request.node.name)

        def make(
            name: str,
            database: str = "sqlite",
            settings: dict[str, str] | None = None,
            rasa_via_proxy: bool = False,
            broadcast: bool = True,
        ) -> Run:
            url, draft = _database(database, sqlite_template, tmp_path, rasa_server, cleanup)
            env_settings = _settings_env(settings or {})
            system = System(rasa_server, tmp_path, url, scale, env_settings, rasa_via_proxy)
            kinds = {n: "path" if n.endswith("directory") else "number" for n in settings or {}}
            missing = appside.unsupported(system.env(), kinds)
            rng = random.Random(f"{recorder.header['seed']}:{request.node.nodeid}")
            run = Run(name, database, system, scale, rng, recorder, missing)
            cleanup.callback(system.stop)
            system.start()
            run.prepare(draft if broadcast else None)
            return run

        yield make


def _database(
    kind: str, template: tuple[Path, int], tmp_path: Path, rasa: RasaServer, cleanup: ExitStack
) -> tuple[str, int]:
    """The scenario's database URL and its broadcast draft."""
    if kind == "sqlite":
        copy = tmp_path / "lessonbot.db"
        shutil.copyfile(template[0], copy)
        return f"sqlite:///{copy}", template[1]
    try:
        url = cleanup.enter_context(scratch_database("lessonbot_faults"))
    except pytest.skip.Exception as skipped:
        # A fault test that needs PostgreSQL fails without it; it never skips.
        pytest.fail(f"PostgreSQL is needed for this scenario: {skipped}")
    return url, _new_database(rasa.env() | {"LESSONBOT_DATABASE_URL": url})


def _keep_logs(workdir: Path, test_name: str) -> None:
    """Keep each process's log beside the table (pytest prunes old temporary folders)."""
    target = LOGS / "".join(c if c.isalnum() or c in "-_" else "_" for c in test_name)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for log in workdir.glob("*.log"):
        shutil.copyfile(log, target / log.name)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for found in _RECORDER:
        if found.rows:
            terminalreporter.write_sep("=", "fault table")
            terminalreporter.write_line(report.table(found.header, found.rows))
            terminalreporter.write_line(f"written to {found.path}")
