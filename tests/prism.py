"""Prism serving one of Twilio's OpenAPI descriptions: a mock that checks our requests.

Prism answers 422 to any request that breaks the spec (a missing required
field, a wrong type, a value out of bounds), and otherwise one of the spec's
examples. Its answers are static: a test that needs state uses a fake.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.fakes import closed_port_url

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TWILIO_OAI_DIR = PROJECT_ROOT.parent / "shared" / "twilio-oai"
MESSAGES_OAI = TWILIO_OAI_DIR / "twilio_api_v2010.json"
CONTENT_OAI = TWILIO_OAI_DIR / "twilio_content_v1.json"
PRISM_VERSION = "5.14.2"  # as in package.json


def prism_command(port: int, spec: Path) -> list[str] | None:
    local = PROJECT_ROOT / "node_modules" / ".bin" / "prism"
    if local.exists() and shutil.which("node"):
        return [str(local), "mock", "-p", str(port), str(spec)]
    if shutil.which("npx"):
        package = f"@stoplight/prism-cli@{PRISM_VERSION}"
        return ["npx", "--yes", package, "mock", "-p", str(port), str(spec)]
    return None


@contextmanager
def prism_server(spec: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Prism mocking the API ``spec`` describes, while the block runs; its base URL."""
    port = int(closed_port_url().rsplit(":", 1)[1])
    command = prism_command(port, spec)
    if command is None:
        # The Twilio calls must be checked, so a missing Prism fails the run (`make install`).
        pytest.fail("Prism needs Node.js: neither node_modules/.bin/prism (npm ci) nor npx found")
    assert spec.exists(), f"Twilio's OpenAPI file is missing: {spec}"
    log_path = tmp_path_factory.mktemp("prism") / "prism.log"
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            command, stdout=log_file, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_listening(url, process, log_path, timeout=180)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_listening(
    url: str, process: subprocess.Popen, log_path: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Prism exited with {process.returncode}:\n{log_path.read_text()[-2000:]}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.3)
    pytest.fail(f"Prism did not listen within {timeout:.0f} s:\n{log_path.read_text()[-2000:]}")
