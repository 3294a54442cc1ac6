"""The webhook spool: validated Twilio requests the database could not take in time.

One file per request, so that a crash can at worst lose the file being
written, never the others: written to a temporary name, flushed to disk
(``fsync``), renamed into place, and the directory flushed too, before
Twilio gets its 200. Names start with the time in nanoseconds, so that the
replay (``bot.messaging.replay``) takes them in the order they came.

The files hold phone numbers and message texts: each is encrypted with the
phone-number key (Fernet), like the numbers in the database.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

log = logging.getLogger(__name__)

SUFFIX = ".spool"
# An entry that cannot be read or applied is renamed with this suffix and kept
# for a person to look at, instead of blocking the ones behind it.
SET_ASIDE_SUFFIX = ".unreadable"
_TEMPORARY_PREFIX = ".writing-"


class UnreadableEntry(ValueError):
    """A spool file that is not one this app wrote with this key."""


@dataclass(frozen=True)
class SpoolEntry:
    path: Path
    kind: str  # "inbound" or "status"
    received_at: datetime  # naive UTC, when Twilio called
    data: dict[str, Any]


class Spool:
    """The spool directory of one machine's web process."""

    def __init__(self, directory: Path, key: str) -> None:
        self.directory = directory
        self._key = key

    @property
    def _fernet(self) -> Fernet:
        # Made on use: a web process without the key still starts (and stores nothing).
        return Fernet(self._key.encode())

    def put(self, kind: str, received_at: datetime, data: dict[str, Any]) -> Path:
        """Keep one request on disk, durably, before the webhook answers."""
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        record = {"kind": kind, "received_at": received_at.isoformat(), "data": data}
        token = self._fernet.encrypt(json.dumps(record).encode())
        name = f"{time.time_ns():020d}-{kind}-{secrets.token_hex(4)}{SUFFIX}"
        temporary = self.directory / (_TEMPORARY_PREFIX + name)
        with open(temporary, "wb") as file:
            file.write(token)
            file.flush()
            os.fsync(file.fileno())
        final = self.directory / name
        os.replace(temporary, final)
        _fsync_directory(self.directory)
        return final

    def paths(self) -> list[Path]:
        """The waiting entries, oldest first."""
        try:
            names = sorted(
                entry.name
                for entry in os.scandir(self.directory)
                if entry.name.endswith(SUFFIX) and not entry.name.startswith(_TEMPORARY_PREFIX)
            )
        except FileNotFoundError:
            return []
        return [self.directory / name for name in names]

    def read(self, path: Path) -> SpoolEntry:
        """The entry at ``path``; ``FileNotFoundError`` if another replayer took it."""
        token = path.read_bytes()
        try:
            record = json.loads(self._fernet.decrypt(token))
            return SpoolEntry(
                path=path,
                kind=str(record["kind"]),
                received_at=datetime.fromisoformat(record["received_at"]),
                data=dict(record["data"]),
            )
        except (InvalidToken, ValueError, KeyError, TypeError) as error:
            raise UnreadableEntry(f"{path.name}: {type(error).__name__}") from error

    def remove(self, path: Path) -> None:
        """Forget an entry (only once the database has committed it)."""
        try:
            path.unlink()
        except FileNotFoundError:
            return  # another replayer removed it after its own commit
        _fsync_directory(self.directory)

    def set_aside(self, path: Path, why: str) -> None:
        log.error("spool entry %s set aside: %s", path.name, why)
        try:
            path.rename(path.with_name(path.name + SET_ASIDE_SUFFIX))
        except FileNotFoundError:
            return


def _fsync_directory(directory: Path) -> None:
    # The rename or unlink is durable only once the directory itself is on disk.
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
