"""The outbox: the only module that changes outbox rows.

Every row has an idempotency key (for a turn: ``{inbound MessageSid}:{index}``);
writing the same key again is a no-op, so a replayed turn never sends twice.
The sender takes a learner's rows strictly in order: a row is due only when no
earlier row of the same learner is still pending (waiting for a retry, say),
so a quiz question never overtakes its lesson.

- ``writes``: new rows (one, or a broadcast's batch) and the sender's claim.
- ``outcomes``: sent, to retry, failed, suppressed, stopped; the status only
  moves forward, and a lesson's receipt is mirrored on its delivery.
- ``redaction``: texts deleted on erasure and after the retention period.

Service functions take a session and do not commit.
"""

from bot.messaging.outbox.outcomes import (
    WHATSAPP_WINDOW_CLOSED_TEXT,
    advance_status,
    find_by_provider_sid,
    find_by_reference,
    mark_failed,
    mark_retry,
    mark_sent,
    record_failure,
    record_hand_off,
    record_rendering,
    stop_pending,
    suppress,
    sync_lesson_receipt,
    take_provider_sid,
)
from bot.messaging.outbox.redaction import (
    ERASED_SID_PREFIX,
    erase_texts,
    erased_id,
    forget_provider_ids,
    purge_texts,
)
from bot.messaging.outbox.writes import (
    Addressee,
    claim_batch,
    claim_due,
    new_row,
    write_many,
    write_reply,
)

__all__ = [
    "ERASED_SID_PREFIX",
    "WHATSAPP_WINDOW_CLOSED_TEXT",
    "Addressee",
    "advance_status",
    "claim_batch",
    "claim_due",
    "erase_texts",
    "erased_id",
    "find_by_provider_sid",
    "find_by_reference",
    "forget_provider_ids",
    "mark_failed",
    "mark_retry",
    "mark_sent",
    "new_row",
    "purge_texts",
    "record_failure",
    "record_hand_off",
    "record_rendering",
    "stop_pending",
    "suppress",
    "sync_lesson_receipt",
    "take_provider_sid",
    "write_many",
    "write_reply",
]
