"""Email to staff through the SMTP server of settings ``inbox`` (host, port, STARTTLS, log-in).

Used by the inbox (a conversation opened: ``bot.inbox.notify``) and the
broadcasts (an approval waits: ``bot.broadcasts.approval_email``). Each
caller sends from a scheduler job with no transaction open, and marks its
row only once the server took the message; a server that is down or
refuses leaves it to the next run.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from bot.settings import Settings

SMTP_TIMEOUT_SECONDS = 20


class EmailNotSent(Exception):
    """The SMTP server did not accept the email; ``retry``: worth trying again later."""

    def __init__(self, reason: str, retry: bool) -> None:
        super().__init__(reason)
        self.retry = retry


class EmailSender(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand the message to the mail server; raise ``EmailNotSent`` if it did not take it."""


@dataclass(frozen=True)
class SmtpSender:
    """Sends through the SMTP server of settings ``inbox`` (STARTTLS and login if set)."""

    settings: Settings

    def send(self, message: EmailMessage) -> None:
        inbox = self.settings.inbox
        try:
            with smtplib.SMTP(
                inbox.smtp_host, inbox.smtp_port, timeout=SMTP_TIMEOUT_SECONDS
            ) as smtp:
                if inbox.smtp_starttls:
                    smtp.starttls()
                if inbox.smtp_user:
                    smtp.login(inbox.smtp_user, inbox.smtp_password)
                smtp.send_message(message)
        except smtplib.SMTPResponseException as error:
            # 5xx is permanent for this message, but the cause (a wrong address or
            # password in the settings) is fixed by a person: still retried.
            raise EmailNotSent(f"SMTP {error.smtp_code}", retry=True) from error
        except (smtplib.SMTPException, OSError) as error:
            raise EmailNotSent(type(error).__name__, retry=True) from error
