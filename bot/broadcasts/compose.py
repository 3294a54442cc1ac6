"""A broadcast's texts: languages, fallbacks, the {first_name} variable, validation.

Every error names the form field it belongs to (``text_es``, ``name_fallback_fr``,
``fallback_language``, ``audience``, ``send_at``), so the page can show it next
to that field and the command line can print it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import ngettext

from bot.broadcasts.audience import Audience, FormData
from bot.broadcasts.models import Broadcast
from bot.clock import FIRST_DAY, LAST_DAY
from bot.dashboard.formatting import language_name

MAX_LENGTH = 1600  # Twilio refuses longer bodies
NAME_VARIABLE = "first_name"
VARIABLES = (NAME_VARIABLE,)
NAME_MAX = 20  # a longer first name is cut, so a text's length has a known bound
_VARIABLE = re.compile(r"\{([^{}\s]*)\}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


@dataclass(frozen=True)
class Draft:
    """What staff composed, cleaned: the form's or a stored broadcast's."""

    base_language: str
    texts: dict[str, str]  # only languages that have a text
    fallback_language: str | None = None  # None: missing translations block sending
    name_fallbacks: dict[str, str] = field(default_factory=dict)
    audience: Audience = field(default_factory=Audience)
    title: str = ""

    @classmethod
    def from_form(cls, form: FormData, languages: tuple[str, ...]) -> Draft:
        base = form.get("base_language")
        fallback = form.get("fallback_language") or None
        return cls(
            base_language=base if base in languages else languages[0],
            texts=_per_language(form, "text_", languages),
            fallback_language=fallback if fallback in languages else None,
            name_fallbacks=_per_language(form, "name_fallback_", languages),
            audience=Audience.from_form(form),
            title=" ".join(str(form.get("title") or "").split())[:120],
        )

    @classmethod
    def from_broadcast(cls, broadcast: Broadcast) -> Draft:
        return cls(
            base_language=broadcast.base_language,
            texts=dict(broadcast.texts or {}),
            fallback_language=broadcast.fallback_language,
            name_fallbacks=dict(broadcast.name_fallbacks or {}),
            audience=Audience.from_json(broadcast.audience or {}),
            title=broadcast.title,
        )

    def store_in(self, broadcast: Broadcast, now: datetime) -> None:
        broadcast.title = self.title
        broadcast.base_language = self.base_language
        broadcast.texts = dict(self.texts)
        broadcast.fallback_language = self.fallback_language
        broadcast.name_fallbacks = dict(self.name_fallbacks)
        broadcast.audience = self.audience.to_json()
        broadcast.updated_at = now

    def text_language(self, language: str | None, default_language: str) -> str | None:
        """The language of the text a learner of ``language`` gets; None: blocked."""
        language = language or default_language
        if language in self.texts:
            return language
        return self.fallback_language if self.fallback_language in self.texts else None

    def message_for(self, text_language: str, first_name: str | None) -> str:
        """The text with its variable filled in: the learner's name, else the fallback."""
        text = self.texts[text_language]
        if "{" + NAME_VARIABLE + "}" not in text:
            return text
        name = first_name or self.name_fallbacks.get(text_language, "")
        return text.replace("{" + NAME_VARIABLE + "}", name)


def first_name(profile_name: str | None) -> str | None:
    """The first word of a WhatsApp profile name, without control characters."""
    words = _CONTROL.sub(" ", profile_name or "").split()
    return words[0][:NAME_MAX] if words else None


def clean_text(text: str) -> str:
    """One form of a typed text: NFC, "\\n" line ends, no trailing spaces."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def longest_length(text: str) -> int:
    """The text's length with the longest name a learner may have filled in."""
    uses = text.count("{" + NAME_VARIABLE + "}")
    return len(text) + uses * (NAME_MAX - len(NAME_VARIABLE) - 2)


def validate(
    draft: Draft,
    recipients_by_language: Mapping[str, int],
    languages: tuple[str, ...],
) -> list[FieldError]:
    """Every reason the broadcast cannot go as it is; empty when it can.

    ``recipients_by_language`` counts the segment by learner language (a
    learner with none counted under the default language).
    """
    errors: list[FieldError] = []
    if not draft.texts.get(draft.base_language):
        errors.append(
            FieldError(
                f"text_{draft.base_language}",
                _("The message is empty: write it in %(language)s, the base language.")
                % {"language": language_name(draft.base_language)},
            )
        )
    for language in languages:
        errors += _text_errors(draft, language)
    if draft.fallback_language and draft.fallback_language not in draft.texts:
        errors.append(
            FieldError(
                "fallback_language",
                _("There is no text in %(language)s to fall back on.")
                % {"language": language_name(draft.fallback_language)},
            )
        )
    for language in sorted(set(languages) | set(recipients_by_language)):
        learners = recipients_by_language.get(language, 0)
        if learners and draft.text_language(language, language) is None:
            message = ngettext(
                "%(num)s recipient reads %(language)s: write the message in %(language)s "
                "or choose a language to fall back on.",
                "%(num)s recipients read %(language)s: write the message in %(language)s "
                "or choose a language to fall back on.",
                learners,
                language=language_name(language),
            )
            # A language the form has no box for can only fall back.
            field = f"text_{language}" if language in languages else "fallback_language"
            errors.append(FieldError(field, message))
    for name in draft.audience.unreadable:
        errors.append(
            FieldError(
                name,
                _("Enter a date between %(first)s and %(last)s (YYYY-MM-DD).")
                % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
            )
        )
    if sum(recipients_by_language.values()) == 0:
        errors.append(FieldError("audience", _("No learner is in this segment.")))
    return errors


def validate_send_at(
    send_at: datetime | None, now: datetime, max_days: int = 30
) -> list[FieldError]:
    """A chosen time must be ahead, and at most ``broadcasts.max_schedule_days`` ahead."""
    if send_at is not None and send_at <= now:
        return [FieldError("send_at", _("The scheduled time has already passed."))]
    if send_at is not None and send_at > now + timedelta(days=max_days):
        message = _("The scheduled time is more than %(days)s days ahead.") % {"days": max_days}
        return [FieldError("send_at", message)]
    return []


def _text_errors(draft: Draft, language: str) -> list[FieldError]:
    text = draft.texts.get(language)
    if not text:
        return []
    errors = []
    if longest_length(text) > MAX_LENGTH:
        errors.append(
            FieldError(
                f"text_{language}",
                _("The message has %(length)s characters; at most %(max)s can be sent.")
                % {"length": longest_length(text), "max": MAX_LENGTH},
            )
        )
    unknown = [name for name in _VARIABLE.findall(text) if name not in VARIABLES]
    if unknown:
        errors.append(
            FieldError(
                f"text_{language}",
                _("The variable {%(name)s} has no value: the only variable is {first_name}.")
                % {"name": unknown[0]},
            )
        )
    if NAME_VARIABLE in _VARIABLE.findall(text) and not draft.name_fallbacks.get(language):
        errors.append(
            FieldError(
                f"name_fallback_{language}",
                _("{first_name} needs a value for learners whose name is not known."),
            )
        )
    return errors


def _per_language(form: FormData, prefix: str, languages: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for language in languages:
        text = clean_text(str(form.get(prefix + language) or ""))
        if text:
            found[language] = text
    return found
