"""The patch in Rasa's environment: the same verdicts and errors as unpatched Rasa; its refusals.

Each test starts Rasa's Python (3.10, `.venv-rasa`) in a subprocess: the probe
runs Rasa's ``RemoteAction`` against a real HTTP action server, once as
installed and once patched, and the launcher is started as `lessonbot up`
starts it, against a Rasa it must refuse.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.rasa

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
PROBE = Path(__file__).with_name("validation_probe.py")
RASA_RUN = ["run", "--enable-api", "--interface", "127.0.0.1", "--port", "9"]

VALID = [
    {
        "events": [{"event": "slot", "timestamp": None, "name": "language", "value": "es"}],
        "responses": [{"text": "Hola", "buttons": []}],
    },
    {},
    {"events": [], "responses": []},
]
INVALID = [
    {"events": "SlotSet"},  # not a list
    {"responses": ["Hola"]},  # a response must be an object
    {"events": [{"event": "slot", "name": 5}]},  # matches none of the event kinds
    {"events": [{"name": "x"}], "responses": "no"},  # two errors: jsonschema picks one
    [],  # not an object at all
]


def rasa_environment(**extra: str) -> dict[str, str]:
    if not RASA_PYTHON.exists():
        pytest.fail(f"Rasa's environment is missing ({RASA_PYTHON}): run `make install`")
    return (
        os.environ
        | {
            "PYTHONPATH": str(ROOT),
            "RASA_TELEMETRY_ENABLED": "false",
            "LESSONBOT_RASA_TOKEN": "t",  # rasa_runtime refuses an API without a token
        }
        | extra
    )


def probe(patched: bool) -> dict[str, Any]:
    result = subprocess.run(
        [str(RASA_PYTHON), str(PROBE), *(["--patched"] if patched else [])],
        input=json.dumps(VALID + INVALID),
        capture_output=True,
        text=True,
        env=rasa_environment(),
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def unpatched() -> dict[str, Any]:
    return probe(patched=False)


@pytest.fixture(scope="module")
def patched() -> dict[str, Any]:
    found = probe(patched=True)
    assert found["patched_by"] == "rasa_runtime.action_validation"
    return found


def test_an_invalid_answer_is_refused_with_the_same_error_as_unpatched_rasa(
    unpatched: dict[str, Any], patched: dict[str, Any]
) -> None:
    assert unpatched["patched_by"] is None
    for before, after in zip(
        unpatched["outcomes"][len(VALID) :], patched["outcomes"][len(VALID) :], strict=True
    ):
        assert after == before
        assert after["refused"] == "jsonschema.exceptions.ValidationError"
        assert "Failed to validate Action server response from API" in after["message"]


def test_a_valid_answer_passes_with_the_same_events(
    unpatched: dict[str, Any], patched: dict[str, Any]
) -> None:
    assert patched["outcomes"][: len(VALID)] == unpatched["outcomes"][: len(VALID)]
    first = patched["outcomes"][0]["accepted"]
    assert [event["event"] for event in first] == ["bot", "slot"]
    assert first[0]["text"] == "Hola"
    assert first[1] == {"event": "slot", "name": "language", "value": "es"}
    assert patched["outcomes"][1] == {"accepted": []}


def test_the_schema_is_checked_once_instead_of_for_every_answer(
    unpatched: dict[str, Any], patched: dict[str, Any]
) -> None:
    assert unpatched["schema_checks"] == len(VALID) + len(INVALID)
    # Once when Rasa starts; an invalid answer goes to Rasa's own method, which checks again.
    assert patched["schema_checks"] == 1 + len(INVALID)


def test_the_launcher_refuses_another_rasa_version_before_rasa_starts(tmp_path: Path) -> None:
    # A Rasa 3.6.20 as far as pip's metadata goes, ahead of the real one on the path.
    metadata = tmp_path / "rasa-3.6.20.dist-info" / "METADATA"
    metadata.parent.mkdir()
    metadata.write_text("Metadata-Version: 2.1\nName: rasa\nVersion: 3.6.20\n")
    result = subprocess.run(
        [str(RASA_PYTHON), "-m", "rasa_runtime", *RASA_RUN],
        cwd=ROOT / "nlu",
        capture_output=True,
        text=True,
        env=rasa_environment(PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}"),
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("rasa_runtime: refusing to start: the installed Rasa is 3.6.20, ")
    assert "remove the patch" in line


def test_the_launcher_refuses_a_changed_method_before_rasa_runs_the_command() -> None:
    # The same Rasa, but the patch expects other code: as if Rasa's file had been edited.
    launch = (
        "import sys; from rasa_runtime import __main__ as launcher, action_validation; "
        f"action_validation.REPLACED_SOURCE = '0' * 64; sys.argv = ['rasa', *{RASA_RUN!r}]; "
        "launcher.main()"
    )
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", launch],
        cwd=ROOT / "nlu",
        capture_output=True,
        text=True,
        env=rasa_environment(),
        timeout=300,
        check=False,
    )
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "rasa_runtime: refusing to start: RemoteAction._validate_action_result in the "
        "installed Rasa is not the code the patch in rasa_runtime was written for"
    )
    assert "Starting Rasa server" not in result.stdout + result.stderr
