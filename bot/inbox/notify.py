"""The email to staff when a conversation opens (settings ``inbox.notify_email``; "" = none).

A scheduler job sends one email per newly opened conversation and marks it
notified only once the SMTP server accepted the message: a server that is down
or refuses leaves the conversation to the next run. The email says which
conversation and where to answer it, never who: no phone number, no message
text, only the learner's pseudonymous id. It is written in the programme's
default language (``languages.default``), the staff's working language.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope
from bot.inbox import conversations
from bot.inbox.models import Conversation, ConversationStatus
from bot.models import Learner
from bot.ops.mail import EmailNotSent, EmailSender, SmtpSender
from bot.settings import Settings
from bot.text.i18n import gettext_for
from bot.text.i18n import marked as _

log = logging.getLogger(__name__)

__all__ = ["EmailNotSent", "EmailSender", "SmtpSender", "notify_opened"]

# Emails per run: a burst of openings is sent over the next minutes, not at once.
BATCH = 50


@dataclass(frozen=True)
class Opening:
    """What the email says about one conversation: nothing that names the learner."""

    conversation_id: int
    learner: str  # the pseudonymous id
    language: str | None
    channel: str


SUBJECT = _("Inbox: conversation %(id)s opened")
BODY = _(
    "A learner asked to talk with a person.\n\n"
    "Conversation: %(id)s\n"
    "Learner: %(learner)s\n"
    "Language: %(language)s\n"
    "Channel: %(channel)s\n\n"
    "Answer it in the inbox: %(link)s\n"
)
NO_LANGUAGE = _("not chosen yet")


def to_notify(session: Session, limit: int = BATCH) -> list[Opening]:
    """Open conversations whose email has not gone out yet, oldest first."""
    rows = session.execute(
        select(Conversation.id, Learner.public_id, Learner.language, Learner.channel)
        .join(Learner, Learner.id == Conversation.learner_id)
        .where(
            Conversation.status == ConversationStatus.OPEN,
            Conversation.notified_at.is_(None),
        )
        .order_by(Conversation.id)
        .limit(limit)
    )
    return [
        Opening(id_, learner, language, str(channel)) for id_, learner, language, channel in rows
    ]


def email_for(opening: Opening, settings: Settings) -> EmailMessage:
    translate = gettext_for(settings.languages.default)
    link = f"{settings.app.public_url.rstrip('/')}/inbox/{opening.conversation_id}"
    message = EmailMessage()
    message["From"] = settings.inbox.smtp_sender
    message["To"] = settings.inbox.notify_email
    message["Subject"] = translate(SUBJECT) % {"id": opening.conversation_id}
    message.set_content(
        translate(BODY)
        % {
            "id": opening.conversation_id,
            "learner": opening.learner,
            "language": opening.language or translate(NO_LANGUAGE),
            "channel": opening.channel,
            "link": link,
        }
    )
    return message


def notify_opened(
    sessions: sessionmaker[Session], settings: Settings, sender: EmailSender, now: datetime
) -> dict[str, int]:
    """Email each newly opened conversation; mark it notified once the server took it.

    No transaction is open while the mail server is talked to. The first
    failure ends the run (a server that is down refuses the rest too); what is
    left goes on the next run.
    """
    if not settings.inbox.notify_email:
        return {"notified": 0}
    with session_scope(sessions) as session:
        openings = to_notify(session)
    notified = 0
    for opening in openings:
        try:
            sender.send(email_for(opening, settings))
        except EmailNotSent as error:
            # No address, number or text: the conversation id and the SMTP reason.
            log.warning(
                "inbox email for conversation %d not sent (%s); tried again next run",
                opening.conversation_id,
                error,
            )
            return {"notified": notified, "failed": 1, "left": len(openings) - notified}
        with session_scope(sessions) as session:
            conversations.mark_notified(session, opening.conversation_id, now)
        notified += 1
    return {"notified": notified}
