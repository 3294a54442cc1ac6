"""A copy of the code the benchmark runs, taken when it starts.

Several engineers change this tree while a 13-minute run goes on; a worker
started in minute 10 would otherwise import models that the migrations run
in minute 0 never created. So the run copies the app's code, its settings,
the lesson content and the trained model into its own folder, and every
process of the run imports from there. The copy's fingerprint (a hash of
every file copied) goes into results.json beside the commit.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

COPIED = ("bot", "lessons", "nlu", "scheduler", "bench", "rasa_runtime", "config.yml")
TEST_HELPERS = ("tests/__init__.py", "tests/builders.py")
LEFT_OUT = shutil.ignore_patterns("__pycache__", "models", "results", ".rasa", "*.pyc")
MODEL = Path("nlu/models/lessonbot.tar.gz")


def take(source: Path, target: Path) -> str:
    """Copy the code into ``target``; return the copy's fingerprint."""
    target.mkdir(parents=True)
    for name in COPIED:
        path = source / name
        if path.is_dir():
            shutil.copytree(path, target / name, ignore=LEFT_OUT)
        else:
            shutil.copy2(path, target / name)
    for name in (*TEST_HELPERS, str(MODEL)):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, target / name)
    # Rasa's 2.7 GB environment is used in place, read-only.
    (target / ".venv-rasa").symlink_to(source / ".venv-rasa")
    digest = hashlib.sha256()
    copied = (
        p for p in target.rglob("*") if not p.relative_to(target).parts[0].startswith(".venv")
    )
    for path in sorted(p for p in copied if p.is_file()):
        digest.update(str(path.relative_to(target)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
