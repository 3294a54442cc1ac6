"""Move the webhook spool into the database: each entry committed, then removed.

Run by the worker's loop (``bot.messaging.worker``) and once when the web
process starts (``bot.messaging.webhooks``); both may run at once on one
machine, and a crash may come between a commit and the removal, so applying
an entry twice must change nothing: an inbound message is inserted once per
MessageSid (``store_inbound``), a status only moves forward
(``apply_status_callback``). Each entry is stored with the time Twilio
called, not the time of the replay.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable

from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.messaging.channels.twilio import status_report
from bot.messaging.inbound import InboundSms
from bot.messaging.ingest import store_inbound
from bot.messaging.intake import INBOUND, STATUS
from bot.messaging.spool import Spool, SpoolEntry, UnreadableEntry
from bot.messaging.status import apply_status_callback
from bot.settings import Settings
from bot.vocab import ChannelName

log = logging.getLogger(__name__)

# Entries per pass: a bound on how long one pass keeps the worker's thread.
REPLAY_BATCH = 500
RETRY = "retry"  # the database is still unavailable: the rest wait for the next pass


def replay_spool(
    sessions: sessionmaker[Session],
    spool: Spool,
    settings: Settings,
    limit: int = REPLAY_BATCH,
    after_commit: Callable[[SpoolEntry], None] | None = None,
) -> dict[str, int]:
    """Store up to ``limit`` spooled requests; counts by outcome, ``retry`` if the database failed.

    ``after_commit`` runs between an entry's commit and its removal (tests
    stop there to play a crash).
    """
    done: Counter[str] = Counter()
    for path in spool.paths()[:limit]:
        try:
            entry = spool.read(path)
        except FileNotFoundError:
            continue  # another replayer has just stored and removed it
        except UnreadableEntry as error:
            spool.set_aside(path, str(error))
            done["unreadable"] += 1
            continue
        try:
            with session_scope(sessions) as session:
                outcome = _apply(session, entry, settings)
        except OperationalError as error:
            log.warning("spool: database still unavailable (%s)", type(error).__name__)
            done[RETRY] += 1
            break
        except (SQLAlchemyError, UnreadableEntry) as error:
            spool.set_aside(path, type(error).__name__)
            done["unreadable"] += 1
            continue
        if after_commit is not None:
            after_commit(entry)
        spool.remove(path)
        done[f"{entry.kind} {outcome}"] += 1
    if done:
        log.info("spool replayed: %s", dict(done))
    return dict(done)


def _apply(session: Session, entry: SpoolEntry, settings: Settings) -> str:
    data = entry.data
    try:
        if entry.kind == INBOUND:
            message = InboundSms(**{**data, "channel": ChannelName(data["channel"])})
            stored = store_inbound(session, message, settings, entry.received_at)
            return "stored" if stored else "repeated"
        if entry.kind == STATUS:
            report = status_report(data["message_sid"], data["provider_status"], data["code"])
            return apply_status_callback(
                session, report, entry.received_at, reference=data["reference"]
            )
    except (KeyError, TypeError, ValueError) as error:
        raise UnreadableEntry(f"{entry.path.name}: {type(error).__name__}") from error
    raise UnreadableEntry(f"{entry.path.name}: unknown kind {entry.kind!r}")
