"""A choice as WhatsApp shows it: quick-reply buttons or a list picker, and what a tap means.

A message with options (a quiz question, the language menu, ...) is one logical
message; on SMS it is numbered text (``bot.text.render``). On WhatsApp it goes
as Twilio Content: ``twilio/quick-reply`` for up to three options (the most
WhatsApp shows in a session message), ``twilio/list-picker`` for four to ten,
numbered text beyond. WhatsApp cuts a title longer than its limit, so a title
never goes over it: an option whose text (or short ``button`` label) does not
fit is shown by its number, and the message's text then lists the options in
full, as SMS does.

The Content resource holds the whole message: its text and its titles (a
Content variable is at most 255 characters, too short for a question and its
options). It is named by ``Choice.key``, a hash of what it shows: the same
message needs the same resource, and re-creating it names the same resource.
The lessons' questions and the fixed menus are known ahead
(``bot.messaging.content_sync``); a message only a conversation makes (a
country's time zones) is recorded the first time it is needed.

A keyword menu (the help menu) is WhatsApp-only: its text stays as it is on
SMS ("Write one of these words: ..."), and the list lets the learner tap a
keyword instead of typing it.

Each button or item carries ``c:<key>:<n>`` as its id: Twilio posts it back as
``ButtonPayload`` (quick reply) or ``ListId`` (list picker), and
``bot.messaging.taps`` turns it into the text the learner would have typed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.text.i18n import gettext_for

# WhatsApp's limits as Twilio's Content documentation gives them.
QUICK_REPLY_MOST_BUTTONS = 3  # in a session message (templates may have more)
QUICK_REPLY_TITLE_MOST = 20
LIST_MOST_ITEMS = 10
LIST_ITEM_MOST = 24
LIST_DESCRIPTION_MOST = 72
LIST_BUTTON_MOST = 20
BODY_MOST = 1024

_PAYLOAD = re.compile(r"^c:([0-9a-f]{16}):([1-9][0-9]?)$")


class ChoiceKind(StrEnum):
    QUICK_REPLY = "quick_reply"
    LIST_PICKER = "list_picker"


class TapMeaning(StrEnum):
    """What a tap stands for: the option's number, or a keyword to type."""

    OPTION = "option"
    KEYWORD = "keyword"


@dataclass(frozen=True)
class Choice:
    """What WhatsApp shows under a message, and the Content resource that shows it."""

    kind: ChoiceKind
    meaning: TapMeaning
    language: str
    # The text above the buttons, as the learner reads it (at most BODY_MOST).
    body: str
    titles: tuple[str, ...]
    # List items only: the line under each title ("" for none).
    descriptions: tuple[str, ...] = ()
    # List pickers only: the button that opens the list.
    list_button: str = ""
    # The titles are numbers: the message's text lists the options in full.
    options_in_body: bool = False

    @property
    def key(self) -> str:
        """A hash of everything the resource shows: the same choice, the same key."""
        shown = [
            self.kind.value,
            self.meaning.value,
            self.language,
            self.body,
            self.titles,
            self.descriptions,
            self.list_button,
        ]
        text = json.dumps(shown, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def friendly_name(self) -> str:
        """The Content resource's name at Twilio, found again by it."""
        return f"lessonbot_{self.language}_{self.kind.value}_{self.key}"

    def payload(self, number: int) -> str:
        """The id of the ``number``-th button or item (1-based): what a tap posts back."""
        return f"c:{self.key}:{number}"

    def content_types(self) -> dict[str, object]:
        """The ``types`` of the Content API's create request (no variables)."""
        body = self.body
        if self.kind == ChoiceKind.QUICK_REPLY:
            actions = [
                {"type": "QUICK_REPLY", "title": title, "id": self.payload(number)}
                for number, title in enumerate(self.titles, 1)
            ]
            shown: dict[str, object] = {"body": body, "actions": actions}
            return {"twilio/quick-reply": shown, "twilio/text": {"body": body}}
        items = []
        for number, title in enumerate(self.titles, 1):
            item = {"item": title, "id": self.payload(number)}
            if self.descriptions and self.descriptions[number - 1]:
                item["description"] = self.descriptions[number - 1]
            items.append(item)
        picker = {"body": body, "button": self.list_button, "items": items}
        return {"twilio/list-picker": picker, "twilio/text": {"body": body}}


@dataclass(frozen=True)
class Tap:
    """A tap read back from a button or item id."""

    key: str
    number: int


def read_payload(payload: str | None) -> Tap | None:
    """The tap a ``ButtonPayload`` or ``ListId`` names, or None if it is not one of ours."""
    match = _PAYLOAD.match((payload or "").strip())
    return Tap(match.group(1), int(match.group(2))) if match else None


def option_choice(
    text: str, options: Sequence[str], language: str, buttons: Sequence[str] = ()
) -> Choice | None:
    """The buttons or list for a message's numbered options, or None.

    None: no options, more than a list holds, or a text too long for Content
    (the message then goes as numbered text).

    ``buttons``: short labels for the titles (a lesson's ``button`` field), one
    per option, "" where the option's own text is the title.
    """
    count = len(options)
    if count == 0 or count > LIST_MOST_ITEMS:
        return None
    labels = [
        (buttons[index] if index < len(buttons) and buttons[index] else option).strip()
        for index, option in enumerate(options)
    ]
    numbers = tuple(str(number) for number in range(1, count + 1))
    if count <= QUICK_REPLY_MOST_BUTTONS:
        fits = all(0 < len(label) <= QUICK_REPLY_TITLE_MOST for label in labels)
        titles = tuple(labels) if fits and _distinct(labels) else numbers
        in_body = titles == numbers or any(
            label != option.strip() for label, option in zip(labels, options, strict=True)
        )
        body = _body(text, options, in_body)
        if len(body) > BODY_MOST:
            return None
        return Choice(
            ChoiceKind.QUICK_REPLY, TapMeaning.OPTION, language, body, titles, (), "", in_body
        )
    fits = all(0 < len(label) <= LIST_ITEM_MOST for label in labels)
    titles = tuple(labels) if fits and _distinct(labels) else numbers
    # A title that is not the option's whole text has the text under it, if it fits.
    descriptions = tuple(
        option.strip()
        if title != option.strip() and len(option.strip()) <= LIST_DESCRIPTION_MOST
        else ""
        for title, option in zip(titles, options, strict=True)
    )
    in_body = any(
        title != option.strip() and not description
        for title, option, description in zip(titles, options, descriptions, strict=True)
    )
    body = _body(text, options, in_body)
    if len(body) > BODY_MOST:
        return None
    return Choice(
        ChoiceKind.LIST_PICKER,
        TapMeaning.OPTION,
        language,
        body,
        titles,
        descriptions,
        list_button(language),
        in_body,
    )


def shown_choice(
    text: str | None,
    options: Sequence[str] | None,
    buttons: Sequence[str] | None,
    keywords: Sequence[Sequence[str]] | None,
    language: str,
) -> Choice | None:
    """The choice a WhatsApp message shows, from what its outbox row holds; None for plain text."""
    if not text:
        return None
    if keywords:
        pairs = [(str(word), str(what)) for word, what in keywords]
        return keyword_choice(text, pairs, language)
    if options:
        return option_choice(text, options, language, buttons or ())
    return None


def keyword_choice(text: str, keywords: Sequence[tuple[str, str]], language: str) -> Choice | None:
    """A list of keywords to tap (the help menu): each item types its keyword.

    ``keywords``: (keyword, what it does) pairs. None when a keyword does not
    fit a list item (it could not be typed by a tap without being cut).
    """
    if not keywords or len(keywords) > LIST_MOST_ITEMS:
        return None
    if not all(0 < len(word) <= LIST_ITEM_MOST for word, _ in keywords):
        return None
    body = text.strip()
    if len(body) > BODY_MOST:
        return None
    titles = tuple(word for word, _ in keywords)
    descriptions = tuple(what if len(what) <= LIST_DESCRIPTION_MOST else "" for _, what in keywords)
    return Choice(
        ChoiceKind.LIST_PICKER,
        TapMeaning.KEYWORD,
        language,
        body,
        titles,
        descriptions,
        list_button(language),
    )


def list_button(language: str) -> str:
    """The label of the button that opens a list, in the learner's language."""
    _ = gettext_for(language)
    # Checked against LIST_BUTTON_MOST for every language by the tests.
    return _("Choose")


def _body(text: str, options: Sequence[str], options_in_body: bool) -> str:
    """The text above the buttons: the message, and the options in full if titled by number."""
    blocks = [text.strip()]
    if options_in_body:
        blocks.append("\n".join(f"{n}. {option}" for n, option in enumerate(options, 1)))
    return "\n\n".join(blocks)


def _distinct(labels: Sequence[str]) -> bool:
    """Two buttons with one title could not be told apart by the learner."""
    folded = [label.casefold() for label in labels]
    return len(set(folded)) == len(folded)
