"""What a broadcast will look like on each phone, and what it will cost.

For every language with a text, the SMS and the WhatsApp renderings (and the
template and the SMS fallback where learners need them), each with its SMS
encoding and segments, how many recipients get it, and the estimated cost
from the configured prices. Names vary by learner: a text with {first_name}
is shown, counted and priced with the fallback value, so it is an estimate.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.broadcasts import audience as segment
from bot.broadcasts.compose import Draft, FieldError, validate
from bot.broadcasts.models import Route
from bot.broadcasts.routing import as_shown, choose_route, window_cutoff
from bot.settings import Settings
from bot.text.sms import analyse

SHOWN_ALWAYS = (Route.SMS, Route.WHATSAPP)


@dataclass(frozen=True)
class Rendition:
    language: str  # the text's language
    route: str
    recipients: int
    text: str  # as the phone shows it
    encoding: str | None  # SMS only
    segments: int | None  # SMS only
    non_gsm: tuple[str, ...]  # the characters that force UCS-2
    unit_cost: float  # one recipient's message

    @property
    def cost(self) -> float:
        return self.recipients * self.unit_cost


@dataclass(frozen=True)
class Preview:
    recipients: int
    renditions: tuple[Rendition, ...]
    by_route: dict[str, int]  # recipients per route (Route.NONE: cannot be reached)
    by_language: dict[str, int]  # recipients per learner language
    blocked: int  # recipients whose language has no text and no fallback
    reachable: int  # the segment less those no route reaches (the compose page's count)
    errors: tuple[FieldError, ...]

    @property
    def cost(self) -> float:
        return sum(rendition.cost for rendition in self.renditions)


def reachable_in(groups: list[segment.Group], settings: Settings) -> int:
    """Learners some route reaches: not those on WhatsApp with the window closed and no way."""
    default = settings.languages.default
    return sum(
        group.learners
        for group in groups
        if choose_route(group.channel, group.window_open, group.language or default, settings)
        != Route.NONE
    )


def reachable(
    session: Session, audience: segment.Audience, settings: Settings, now: datetime
) -> int:
    """The count the compose page and the preview both show for a segment."""
    return reachable_in(segment.groups(session, audience, window_cutoff(now)), settings)


def build(session: Session, draft: Draft, settings: Settings, now: datetime) -> Preview:
    """Count the segment by language and route, and render what each group gets."""
    by_language: Counter[str] = Counter()
    by_text_and_route: Counter[tuple[str, Route]] = Counter()
    by_route: Counter[str] = Counter()
    blocked = 0
    found = segment.groups(session, draft.audience, window_cutoff(now))
    for group in found:
        language = group.language or settings.languages.default
        by_language[language] += group.learners
        text_language = draft.text_language(language, settings.languages.default)
        if text_language is None:
            blocked += group.learners
            continue
        route = choose_route(group.channel, group.window_open, text_language, settings)
        by_route[route] += group.learners
        by_text_and_route[text_language, route] += group.learners

    renditions = []
    for language in draft.texts:
        routes = [*SHOWN_ALWAYS]
        routes += [r for (lang, r) in by_text_and_route if lang == language and r not in routes]
        for route in routes:
            if route != Route.NONE:
                recipients = by_text_and_route.get((language, route), 0)
                renditions.append(_rendition(draft, language, route, recipients, settings))
    errors = validate(draft, by_language, settings.languages.supported)
    return Preview(
        recipients=sum(by_language.values()),
        renditions=tuple(renditions),
        by_route=dict(by_route),
        by_language=dict(by_language),
        blocked=blocked,
        reachable=reachable_in(found, settings),
        errors=tuple(errors),
    )


def _rendition(
    draft: Draft, language: str, route: str, recipients: int, settings: Settings
) -> Rendition:
    text = as_shown(draft.message_for(language, None), route, language, settings)
    if route in (Route.SMS, Route.SMS_FALLBACK):
        info = analyse(text)
        return Rendition(
            language,
            route,
            recipients,
            text,
            info.encoding,
            info.segments,
            info.non_gsm_chars,
            info.segments * settings.broadcasts.price_per_sms_segment,
        )
    price = (
        settings.broadcasts.price_per_whatsapp_template
        if route == Route.WHATSAPP_TEMPLATE
        else settings.broadcasts.price_per_whatsapp_message
    )
    return Rendition(language, route, recipients, text, None, None, (), price)
