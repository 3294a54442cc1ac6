"""Hold SQLite's write lock on a database from another process for a while.

    python -m tests.faults.locker PATH SECONDS

Prints "locked" once it holds ``BEGIN EXCLUSIVE`` (in WAL mode: no other
writer, readers go on), then holds it, then lets go: a database stall as a
long migration, a backup tool or a stuck process would cause.
"""

from __future__ import annotations

import sqlite3
import sys
import time


def main() -> None:
    path, seconds = sys.argv[1], float(sys.argv[2])
    connection = sqlite3.connect(path, timeout=60, isolation_level=None)
    connection.execute("BEGIN EXCLUSIVE")
    print("locked", flush=True)
    time.sleep(seconds)
    connection.execute("ROLLBACK")
    connection.close()
    print("released", flush=True)


if __name__ == "__main__":
    main()
