"""An email to the people who may approve a broadcast, once each time it comes to wait.

Sent when the SMTP server is set (``inbox.smtp_host``), by a scheduler job, to
every active staff and admin account except the broadcast's author and
requester (who may not approve it: ``lifecycle.approve``). It names the
broadcast (number, title, recipients, who asked) and links to its page: no
learner, no message text. Written in the programme's default language, the
staff's working language. The broadcast is marked once the server took the
email; a server that is down or refuses leaves it to the next run. The menu's
badge (``bot.broadcasts.approvals_badge``) says the same to whoever is signed in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.broadcasts import BROADCASTERS
from bot.broadcasts.models import Broadcast, BroadcastStatus
from bot.db import session_scope
from bot.ops.mail import EmailNotSent, EmailSender
from bot.settings import Settings
from bot.staff.models import StaffUser
from bot.text.i18n import gettext_for
from bot.text.i18n import marked as _

log = logging.getLogger(__name__)

BATCH = 20


SUBJECT = _("Broadcast %(id)s waits for your approval")
BODY = _(
    "A broadcast needs a second person's approval before it goes out.\n\n"
    "Broadcast: %(id)s %(title)s\n"
    "Recipients: %(recipients)s\n"
    "Asked by: %(requester)s\n\n"
    "Approve it or send it back: %(link)s\n"
)
UNTITLED = _("(no title)")


@dataclass(frozen=True)
class Waiting:
    broadcast_id: int
    title: str
    recipients: int | None
    requester: str | None  # the email of whoever asked to send it
    approvers: tuple[str, ...]


def to_email(session: Session, limit: int = BATCH) -> list[Waiting]:
    """Broadcasts waiting for approval whose approvers have not been emailed yet."""
    broadcasts = session.scalars(
        select(Broadcast)
        .where(
            Broadcast.status == BroadcastStatus.AWAITING_APPROVAL,
            Broadcast.approval_emailed_at.is_(None),
        )
        .order_by(Broadcast.id)
        .limit(limit)
    ).all()
    if not broadcasts:
        return []
    accounts = session.execute(
        select(StaffUser.id, StaffUser.email).where(
            StaffUser.active.is_(True), StaffUser.role.in_(BROADCASTERS)
        )
    ).all()
    emails = dict(accounts)
    found = []
    for broadcast in broadcasts:
        authors = {broadcast.created_by_id, broadcast.requested_by_id}
        approvers = tuple(sorted(email for id_, email in accounts if id_ not in authors))
        requester = emails.get(broadcast.requested_by_id or broadcast.created_by_id or -1)
        found.append(
            Waiting(broadcast.id, broadcast.title, broadcast.requested_count, requester, approvers)
        )
    return found


def email_for(waiting: Waiting, settings: Settings) -> EmailMessage:
    translate = gettext_for(settings.languages.default)
    link = f"{settings.app.public_url.rstrip('/')}/broadcasts/{waiting.broadcast_id}"
    message = EmailMessage()
    message["From"] = settings.inbox.smtp_sender
    message["To"] = ", ".join(waiting.approvers)
    message["Subject"] = translate(SUBJECT) % {"id": waiting.broadcast_id}
    message.set_content(
        translate(BODY)
        % {
            "id": waiting.broadcast_id,
            "title": waiting.title or translate(UNTITLED),
            "recipients": waiting.recipients if waiting.recipients is not None else "-",
            "requester": waiting.requester or "-",
            "link": link,
        }
    )
    return message


def _mark(sessions: sessionmaker[Session], broadcast_id: int, now: datetime) -> None:
    with session_scope(sessions) as session:
        session.execute(
            update(Broadcast)
            .where(
                Broadcast.id == broadcast_id,
                Broadcast.status == BroadcastStatus.AWAITING_APPROVAL,
            )
            .values(approval_emailed_at=now)
        )


def email_approvers(
    sessions: sessionmaker[Session], settings: Settings, sender: EmailSender, now: datetime
) -> dict[str, int]:
    """Email the approvers of each broadcast that came to wait; mark it once the server took it."""
    if not settings.inbox.smtp_host:
        return {"emailed": 0}
    with session_scope(sessions) as session:
        waiting = to_email(session)
    emailed = 0
    for item in waiting:
        if not item.approvers:
            # Nobody else may approve it: the page says so to its author; no email to send.
            log.warning("broadcast %d waits for approval: no other account may approve it",
                        item.broadcast_id)  # fmt: skip
            _mark(sessions, item.broadcast_id, now)
            continue
        try:
            sender.send(email_for(item, settings))
        except EmailNotSent as error:
            log.warning(
                "approval email for broadcast %d not sent (%s); tried again next run",
                item.broadcast_id,
                error,
            )
            return {"emailed": emailed, "failed": 1, "left": len(waiting) - emailed}
        _mark(sessions, item.broadcast_id, now)
        emailed += 1
    return {"emailed": emailed}
