"""A conversation page's messages: both ways, within retention, the newest 50 oldest first."""

from __future__ import annotations

from datetime import timedelta

from bot.inbox.models import Conversation
from bot.inbox.thread import LIMIT, recent_messages
from bot.models import InboundMessage, OutboxMessage
from tests.dashboard.seed import NOW


def test_the_newest_messages_within_retention_oldest_first(db_session, inbox):
    learner_id = db_session.get(Conversation, inbox["Linbox0sms"].conversation).learner_id
    for minute in range(30):
        at = NOW - timedelta(minutes=60 - 2 * minute)
        db_session.add(
            InboundMessage(
                message_sid=f"SMthread{minute}", learner_id=learner_id, channel="sms",
                body=f"pregunta {minute}", received_at=at, status="done",
            )
        )  # fmt: skip
        db_session.add(
            OutboxMessage(
                idempotency_key=f"thread:{minute}", learner_id=learner_id,
                kind="staff_reply" if minute % 2 else "reply", body=f"respuesta {minute}",
                status="sent", created_at=at + timedelta(minutes=1),
            )
        )  # fmt: skip
    db_session.add(
        InboundMessage(
            message_sid="SMold", learner_id=learner_id, channel="sms", body="muy vieja",
            received_at=NOW - timedelta(days=91), status="done",
        )
    )  # fmt: skip
    db_session.commit()

    lines = recent_messages(db_session, learner_id, NOW, retention_days=90)
    assert len(lines) == LIMIT == 50
    assert [line.at for line in lines] == sorted(line.at for line in lines)
    assert lines[-1].text == "respuesta 29" and lines[-1].author == "staff"
    assert lines[-2].text == "pregunta 29" and lines[-2].author == "learner"
    assert lines[-3].author == "bot"  # respuesta 28: the bot's
    assert "muy vieja" not in [line.text for line in recent_messages(
        db_session, learner_id, NOW, retention_days=90, limit=500
    )]  # fmt: skip
