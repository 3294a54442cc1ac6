"""`lessonbot whatsapp sync`: create the Twilio Content that WhatsApp's buttons and lists need.

The choices needed are known ahead of time for the lessons' questions and
the fixed menus (``needed_choices``), in every supported language; any other
choice a message has shown (a time zone menu, say) was recorded by the sender
the first time, unsynced (``bot.messaging.content``). ``sync`` lists the
account's Content once and, for each choice without a recorded SID:

- a resource with the choice's ``friendly_name`` exists at Twilio (made by an
  earlier run, whose database work was lost, or by another environment of
  the same account): its SID is recorded, nothing is created;
- else the resource is created, and its SID recorded.

A resource is named by what it shows (``Choice.key``), so a second run
creates nothing. A recorded SID that Twilio no longer lists (deleted in the
console) is treated as missing: messages would fail with it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from bot.learners.progress import ordered_courses
from bot.messaging import content
from bot.messaging.channels.twilio_content import ContentResource
from bot.messaging.reviews import review_reply
from bot.text.choices import Choice, option_choice, shown_choice
from bot.text.menus import (
    consent_menu,
    course_menu,
    delivery_day_menu,
    delivery_time_menu,
    help_menu,
    language_menu,
    welcome_back_menu,
)
from lessons import Catalog
from lessons.render import question_message

log = logging.getLogger(__name__)


class ContentApi(Protocol):
    """What sync needs of Twilio's Content API (``TwilioContent``)."""

    def list_all(self) -> list[ContentResource]: ...

    def create(
        self,
        friendly_name: str,
        language: str,
        variables: Mapping[str, str],
        types: Mapping[str, object],
    ) -> ContentResource: ...


@dataclass
class SyncReport:
    """What a sync did, by ``friendly_name``."""

    created: list[str] = field(default_factory=list)
    found: list[str] = field(default_factory=list)  # at Twilio already, SID recorded
    already_recorded: int = 0

    def summary(self) -> str:
        return (
            f"created {len(self.created)}, already at Twilio {len(self.found)},"
            f" already recorded {self.already_recorded}"
        )


def needed_choices(catalog: Catalog, languages: Sequence[str], retention_days: int) -> list[Choice]:
    """The choices lessons and menus show, in each language (each one once).

    Built by the very functions the actions and the reviews send them with,
    so that each is the message a learner gets, text included (a resource
    shows its whole message). ``retention_days`` is in the privacy notice.
    """
    needed: list[Choice | None] = []
    courses = ordered_courses(catalog)
    for language in languages:
        menus = [
            language_menu(),
            consent_menu(language, retention_days),
            course_menu(courses, language),
            delivery_time_menu(language),
            delivery_day_menu(language),
            help_menu(language),
            welcome_back_menu(language),
        ]
        for menu in menus:
            needed.append(shown_choice(menu.text, menu.options, (), menu.keywords, language))
        for lesson in catalog.lessons:
            for question in lesson.questions:
                asked = question_message(question, language)
                needed.append(option_choice(asked.text, asked.options, language, asked.buttons))
                review = review_reply(lesson, question, language)
                needed.append(option_choice(review.text, review.options, language, review.buttons))
    return _distinct(choice for choice in needed if choice is not None)


def sync(
    session: Session,
    api: ContentApi,
    needed: Iterable[Choice],
    now: datetime,
) -> SyncReport:
    """Give each needed or recorded-unsynced choice its Content resource; record the SIDs.

    Commits after each recorded SID.
    """
    choices = _distinct([*needed, *content.unsynced(session)])
    at_twilio = api.list_all()
    by_name: dict[str, str] = {}
    for resource in at_twilio:
        by_name.setdefault(resource.friendly_name, resource.sid)
    sids_at_twilio = {resource.sid for resource in at_twilio}
    recorded = content.known_sids(session)
    report = SyncReport()
    for choice in choices:
        sid = recorded.get(choice.key)
        if sid is not None and sid in sids_at_twilio:
            report.already_recorded += 1
            continue
        if sid is not None:
            log.warning(
                "content %s (%s) is no longer at Twilio: made again", sid, choice.friendly_name
            )
        found = by_name.get(choice.friendly_name)
        if found is not None:
            content.record_synced(session, choice, found, now)
            session.commit()
            report.found.append(choice.friendly_name)
            continue
        # No variables: the resource holds the whole message (bot.text.choices).
        types = choice.content_types()
        created = api.create(choice.friendly_name, choice.language, {}, types)
        content.record_synced(session, choice, created.sid, now)
        # Each SID committed at once: a sync of hundreds of resources at Twilio's
        # pace must not hold the database's write lock (the webhook and the
        # sender write meanwhile), and a run that stops keeps what it made.
        session.commit()
        report.created.append(choice.friendly_name)
    log.info("whatsapp sync: %s", report.summary())
    return report


def _distinct(choices: Iterable[Choice]) -> list[Choice]:
    seen: dict[str, Choice] = {}
    for choice in choices:
        seen.setdefault(choice.key, choice)
    return list(seen.values())
