"""ZONE Colombia, "estoy en Costa Rica ahora", "I moved to Miami": the learner's time zone.

The place is read from the message (``nlu.actions.readers.places``). When it cannot be read,
the learner gets a numbered menu of the countries migrants in Panama most
come from or go to; a country with several zones (Mexico, the United States,
Brazil, Canada, Chile, Spain, Ecuador...) gets a menu of its main zones
(``bot.learners.zones``). Which menu is open is
kept in the ``timezone_menu`` slot ("countries" or a country code), and a
rule (data/rules.yml) brings the option the learner answers back here.

The preferred hour stays the same local hour: the next lesson moves to it in
the new zone.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.learners import schedule
from bot.learners.localtime import is_valid_timezone, to_local
from bot.learners.zones import (
    MENU_COUNTRIES,
    ZoneChoice,
    city_name,
    country,
    country_name,
    country_of_zone,
)
from bot.models import Learner
from nlu.actions.base import LearnerAction, chosen_option, latest_intent, latest_text, slot_events
from nlu.actions.context import Turn, say
from nlu.actions.readers.options import normalise
from nlu.actions.readers.places import Place, read_place
from nlu.actions.texts import day_names, format_clock

log = logging.getLogger(__name__)

MENU_SLOT = "timezone_menu"
COUNTRY_MENU = "countries"
# "en Narnia", "to Japan", "au Japon", "nan Japon": the learner named a place
# this bot does not know (rather than only asking to change the zone).
_NAMES_A_PLACE = re.compile(r"\b(en|in|a|al|to|au|aux|nan|lan|desde|from|near|cerca)\s+[a-z]")


class ActionChangeTimezone(LearnerAction):
    """Set the learner's time zone from a place, or ask with a numbered menu."""

    def name(self) -> str:
        return "action_change_timezone"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        menu = tracker.get_slot(MENU_SLOT)
        text = latest_text(tracker)
        if latest_intent(tracker) == "choose_option" and menu:
            place = _from_menu(tracker, menu)
            if place is None:
                return _ask(
                    turn, dispatcher, domain, menu, _("Please answer with the number of an option.")
                )
        else:
            place = read_place(text)
        if place is None:
            lead = _("I don't know that place.") if _NAMES_A_PLACE.search(normalise(text)) else ""
            return _ask(turn, dispatcher, domain, COUNTRY_MENU, lead)
        if place.zone is None:
            return _ask(turn, dispatcher, domain, place.country, "")
        if not is_valid_timezone(place.zone):
            # The machine's tz database is older than the table (a new zone).
            log.error("time zone %s is not in this machine's tz database", place.zone)
            return _ask(turn, dispatcher, domain, COUNTRY_MENU, "")
        schedule.change_preferences(learner, turn.now, turn.settings, timezone=place.zone)
        say(dispatcher, confirmation(turn, learner))
        return slot_events(domain, **{MENU_SLOT: None})


def _from_menu(tracker: Tracker, menu: str) -> Place | None:
    """The place behind the option the learner chose from the open menu."""
    if menu == COUNTRY_MENU:
        number = chosen_option(tracker, len(MENU_COUNTRIES))
        chosen = country(MENU_COUNTRIES[number - 1]) if number is not None else None
        if chosen is None:
            return None
        return Place(chosen.code, None if chosen.has_several_zones else chosen.zone)
    found = country(menu)
    if found is None or not found.has_several_zones:
        return None
    number = chosen_option(tracker, len(found.choices))
    return None if number is None else Place(found.code, found.choices[number - 1].zone)


def _ask(
    turn: Turn, dispatcher: CollectingDispatcher, domain: DomainDict, menu: str, lead: str
) -> list[EventType]:
    """Show the menu of countries, or of one country's zones; remember which is open."""
    _ = turn.gettext()
    found = country(menu) if menu != COUNTRY_MENU else None
    if found is not None and found.has_several_zones:
        question = _("{country} has several time zones. Which one is yours?").format(
            country=country_name(found.code, turn.language)
        )
        options = [zone_label(choice, turn.language, _) for choice in found.choices]
    else:
        menu = COUNTRY_MENU
        question = _("Which country are you in now?")
        options = [country_name(code, turn.language) for code in MENU_COUNTRIES]
    say(dispatcher, f"{lead} {question}".strip(), options)
    return slot_events(domain, **{MENU_SLOT: menu})


def zone_label(choice: ZoneChoice, language: str, _: Callable[[str], str]) -> str:
    """A menu's words for a zone: the places it covers (hand-picked), else its city."""
    return _(choice.label) if choice.label else city_name(choice.zone, language)


def place_name(zone: str, language: str, _: Callable[[str], str]) -> str:
    """ "Colombia", or "México (Cancún)" for a country with several zones."""
    found = country_of_zone(zone)
    if found is None:
        return zone
    name = country_name(found.code, language)
    choice = found.choice_for(zone)
    return name if choice is None else f"{name} ({zone_label(choice, language, _)})"


def confirmation(turn: Turn, learner: Learner) -> str:
    """The new zone, and when the next lesson comes in it (local day and time)."""
    _ = turn.gettext()
    place = place_name(learner.timezone, turn.language, _)
    if learner.next_lesson_at is None:
        return _("Done! Time zone: {place}.").format(place=place)
    local = to_local(learner.next_lesson_at, learner.timezone)
    when = format_clock(local.strftime("%H:%M"), turn.language)
    days_ahead = (local.date() - to_local(turn.now, learner.timezone).date()).days
    if days_ahead <= 0:
        text = _("Done! Time zone: {place}. Next lesson: today at {time}.")
    elif days_ahead == 1:
        text = _("Done! Time zone: {place}. Next lesson: tomorrow at {time}.")
    else:
        text = _("Done! Time zone: {place}. Next lesson: {day} at {time}.")
    day = day_names(turn.language)[local.weekday()]
    return text.format(place=place, time=when, day=day)
