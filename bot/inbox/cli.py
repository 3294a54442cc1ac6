"""`lessonbot inbox`: the inbox pages' steps from the command line.

    lessonbot inbox list [--json]
    lessonbot inbox show 12
    lessonbot inbox reply 12 "Gracias por escribir, lo estamos revisando."
    lessonbot inbox close 12

Learners are named by pseudonymous id, never by number. Each step is audited
with no staff account (the command line). A reply or close that cannot be
done exits with status 2 and names the field at fault.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import click
from sqlalchemy.orm import Session

from bot.clock import utc_now
from bot.db import make_engine, make_session_factory, session_scope
from bot.inbox import conversations, listing, thread
from bot.inbox.conversations import InboxError
from bot.inbox.models import Conversation
from bot.settings import Settings, load_settings
from bot.staff.accounts import audit

INVALID = 2
# Conversations `inbox list` prints: more than a person reads in a terminal.
LIST_LIMIT = 1000


@contextmanager
def _database(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.app.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def _iso(moment: datetime | None) -> str | None:
    return moment.replace(tzinfo=UTC).isoformat() if moment else None


def _local(moment: datetime, settings: Settings) -> str:
    zone = ZoneInfo(settings.inbox.timezone)
    return moment.replace(tzinfo=UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _refuse(error: InboxError) -> None:
    click.echo(f"error: {error.field}: {error}", err=True)
    raise SystemExit(INVALID)


@click.group()
def inbox() -> None:
    """Conversations with staff: list, show, reply, close (never a phone number)."""


@inbox.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array for scripts.")
def list_command(as_json: bool) -> None:
    """Open conversations, the longest waiting first."""
    settings = load_settings()
    with _database(settings) as session:
        rows = listing.open_conversations(session, utc_now(), limit=LIST_LIMIT)
    if as_json:
        items = [
            {
                "id": row.id,
                "learner": row.learner,
                "language": row.language,
                "channel": str(row.channel),
                "waiting_since": _iso(row.waiting_since),
                "window_open": row.window_open,
                "lessons_done": row.lessons_done,
                "assigned_to": row.assigned_to,
            }
            for row in rows
        ]
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no open conversation")
        return
    for row in rows:
        waiting = _local(row.waiting_since, settings) if row.waiting_since else "answered"
        click.echo(
            f"{row.id}\t{row.learner}\t{row.language or '-'}\t{row.channel}\t"
            f"{waiting}\t{row.assigned_to or '-'}"
        )


@inbox.command("show")
@click.argument("conversation_id", type=int)
def show_command(conversation_id: int) -> None:
    """A conversation and its learner's recent messages (audited)."""
    settings = load_settings()
    now = utc_now()
    with _database(settings) as session:
        conversation = session.get(Conversation, conversation_id)
        if conversation is None:
            _refuse(InboxError(f"no conversation {conversation_id}", "conversation"))
            return
        learner = conversation.learner
        lines = thread.recent_messages(
            session, learner.id, now, settings.app.message_retention_days
        )
        audit(
            session,
            None,
            "inbox.view",
            {"conversation": conversation.id, "learner": learner.public_id},
            now,
        )
        click.echo(
            f"conversation {conversation.id} ({conversation.status}) with {learner.public_id}"
            f" · {learner.language or '-'} · {learner.channel}"
        )
        for line in lines:
            click.echo(f"{_local(line.at, settings)}  {line.author:<7}  {line.text}")


@inbox.command("reply")
@click.argument("conversation_id", type=int)
@click.argument("text")
def reply_command(conversation_id: int, text: str) -> None:
    """Send the learner a reply through the outbox."""
    settings = load_settings()
    token = secrets.token_urlsafe(16)  # each call is a new reply
    try:
        with _database(settings) as session:
            conversations.reply(session, conversation_id, None, text, token, utc_now())
    except InboxError as error:
        _refuse(error)
    click.echo(f"reply to conversation {conversation_id} queued")


@inbox.command("close")
@click.argument("conversation_id", type=int)
def close_command(conversation_id: int) -> None:
    """Close the conversation: the bot answers the learner again."""
    settings = load_settings()
    try:
        with _database(settings) as session:
            conversations.close(session, conversation_id, None, utc_now())
    except InboxError as error:
        _refuse(error)
    click.echo(f"conversation {conversation_id} closed")
