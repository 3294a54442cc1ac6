"""Refuse to patch any Rasa but the exact code a patch was written and tested against."""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable
from importlib import metadata
from typing import Any

HOW_TO_PROCEED = (
    "reinstall the Rasa of constraints/rasa.txt (`make install`), or remove the patch "
    "(start `.venv-rasa/bin/rasa` instead of `python -m rasa_runtime`; README: Rasa runtime "
    "patch) or update it for this Rasa"
)


class PatchRefused(RuntimeError):
    """The installed Rasa is not the one the patch was written for: Rasa must not start."""


def installed_version(distribution: str = "rasa") -> str:
    """The version pip installed, read from its metadata (Rasa itself is not imported)."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def check_version(found: str, expected: str) -> None:
    """Refuse unless ``found`` is exactly ``expected``."""
    if found != expected:
        raise PatchRefused(
            f"refusing to start: the installed Rasa is {found}, but the patch in rasa_runtime "
            f"is written for Rasa {expected} only; {HOW_TO_PROCEED}"
        )


def source_digest(function: Callable[..., Any]) -> str:
    """SHA-256 of a function's source text, as Python's inspect module reads it."""
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def check_source(function: Callable[..., Any], expected_digest: str, name: str) -> None:
    """Refuse unless ``function``'s source is exactly the code the patch replaces or relies on."""
    found = source_digest(function)
    if found != expected_digest:
        raise PatchRefused(
            f"refusing to start: {name} in the installed Rasa is not the code the patch in "
            f"rasa_runtime was written for (source sha256 {found[:12]}, expected "
            f"{expected_digest[:12]}); {HOW_TO_PROCEED}"
        )
