"""Train the Rasa model only when its inputs changed.

Run with any Python 3 (stdlib only), e.g. `.venv/bin/python scripts/rasa_train.py`.
The inputs are nlu/config.yml, nlu/domain.yml and every file under nlu/data/;
their SHA-256 is stored next to the model (nlu/models/.inputs-sha256) and the
model is rebuilt when it differs or the model is missing. `--force` always
trains. Exits non-zero when training fails.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NLU = ROOT / "nlu"
MODELS = NLU / "models"
MODEL = MODELS / "lessonbot.tar.gz"
HASH_FILE = MODELS / ".inputs-sha256"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"


def training_inputs() -> list[Path]:
    """List every file that goes into the model, in a stable order."""
    files = [NLU / "config.yml", NLU / "domain.yml"]
    files += sorted(p for p in (NLU / "data").rglob("*") if p.is_file())
    return files


def inputs_digest() -> str:
    """Hash the inputs' relative paths and contents (a rename changes it too)."""
    digest = hashlib.sha256()
    for path in training_inputs():
        digest.update(path.relative_to(NLU).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def is_up_to_date(digest: str) -> bool:
    return (
        MODEL.exists()
        and HASH_FILE.exists()
        and HASH_FILE.read_text(encoding="utf-8").strip() == digest
    )


def train() -> int:
    """Run `rasa train` in nlu/ and return its exit code."""
    command = [str(RASA), "train", "--fixed-model-name", "lessonbot", "--out", "models"]
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false")
    # The command is built from this file's constants, never from input.
    return subprocess.run(command, cwd=NLU, env=env, check=False).returncode  # noqa: S603


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="train even if nothing changed")
    args = parser.parse_args(argv)

    if not RASA.exists():
        print(f"rasa_train: {RASA} is missing; install Rasa's environment first", file=sys.stderr)
        return 2
    digest = inputs_digest()
    if not args.force and is_up_to_date(digest):
        print(f"rasa_train: model is up to date ({MODEL.relative_to(ROOT)})")
        return 0

    started = time.monotonic()
    print("rasa_train: training inputs changed; training the model...", flush=True)
    code = train()
    elapsed = time.monotonic() - started
    if code != 0 or not MODEL.exists():
        print(f"rasa_train: training failed (exit {code}) after {elapsed:.0f} s", file=sys.stderr)
        return code or 1
    # Written only after a successful training, so a failed run retrains next time.
    HASH_FILE.write_text(digest + "\n", encoding="utf-8")
    print(f"rasa_train: trained {MODEL.relative_to(ROOT)} in {elapsed:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
