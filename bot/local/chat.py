"""`lessonbot chat`: play a learner against the running system.

Each line typed is posted to the real webhook as Twilio would post it, signed
with the same auth token; the replies are read back from the outbox and shown
as the phone would show them (with SMS encoding and segments). On WhatsApp a
choice shows its buttons or list (``bot.text.choices``) as a phone shows them
once `lessonbot whatsapp sync` has made their Content (the local channel sends
numbered text, but a tap reads the same either way), and typing ``[2]``
taps the second one of the latest message that has them: the webhook gets
what Twilio posts for a tap (the title as Body, ButtonPayload or ListId, and
the tapped message's SID).
"""

from __future__ import annotations

import json
import re
import secrets
import sys
import time
from dataclasses import dataclass
from typing import Any

import click
import httpx
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.db import make_engine, make_session_factory
from bot.models import InboundMessage, Learner, OutboxMessage
from bot.phones import parse_e164, phone_hash
from bot.settings import Settings, load_settings
from bot.text.choices import Choice, ChoiceKind, shown_choice
from bot.text.render import ChannelName, Message, render
from bot.text.sms import analyse
from bot.vocab import InboundStatus

OUR_NUMBER = "+15005550006"  # Twilio's documented magic test number, never a real person
# "[2]": tap the second button (or list item) of the latest message that has some.
_TAP = re.compile(r"^\s*\[(\d{1,2})\]\s*$")


@dataclass(frozen=True)
class Buttons:
    """The latest buttons or list the learner was shown, to tap with "[n]"."""

    choice: Choice
    message_sid: str | None


def tap_form(buttons: Buttons, number: int) -> dict[str, str]:
    """The fields Twilio adds to an inbound message for a tap (Body is the title)."""
    title = buttons.choice.titles[number - 1]
    payload = buttons.choice.payload(number)
    if buttons.choice.kind == ChoiceKind.QUICK_REPLY:
        form = {"Body": title, "ButtonText": title, "ButtonPayload": payload}
    else:
        form = {"Body": title, "ListTitle": title, "ListId": payload}
    if buttons.message_sid:
        form["OriginalRepliedMessageSid"] = buttons.message_sid
    return form


@dataclass
class Simulator:
    settings: Settings
    channel: str
    number: str
    web_url: str
    wait_seconds: float

    def __post_init__(self) -> None:
        self._sessions = make_session_factory(make_engine(self.settings.app.database_url))
        self._seen_outbox_id = self._last_outbox_id()

    def post(self, body: str, num_media: int = 0, tap: dict[str, str] | None = None) -> str:
        """Send one learner message (or a tap) through the signed webhook; return its MessageSid."""
        sid = "SM" + secrets.token_hex(16)
        prefix = "whatsapp:" if self.channel == ChannelName.WHATSAPP else ""
        form = {
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": prefix + self.number,
            "To": prefix + OUR_NUMBER,
            "Body": body,
            "NumMedia": str(num_media),
            **(tap or {}),
        }
        path = "/twilio/inbound"
        signature = RequestValidator(self.settings.twilio.auth_token).compute_signature(
            self.settings.app.public_url.rstrip("/") + path, form
        )
        response = httpx.post(
            self.web_url + path, data=form, headers={"X-Twilio-Signature": signature}, timeout=10
        )
        if response.status_code != 200:
            raise click.ClickException(f"webhook answered {response.status_code}: {response.text}")
        return sid

    def wait_for_turn(self, message_sid: str) -> list[OutboxMessage]:
        """Wait until the worker has answered ``message_sid``; return the new outbox rows."""
        deadline = time.monotonic() + self.wait_seconds
        while time.monotonic() < deadline:
            with self._sessions() as session:
                inbound = session.scalar(
                    select(InboundMessage).where(InboundMessage.message_sid == message_sid)
                )
                if inbound is not None and inbound.status != InboundStatus.PENDING:
                    time.sleep(0.3)  # let the sender pick the rows up
                    return self._new_outbox_rows(session, inbound.learner_id)
            time.sleep(0.2)
        raise click.ClickException(
            f"no answer within {self.wait_seconds:.0f} s: is Rasa still loading? (see the "
            "`lessonbot up` terminal)"
        )

    def learner(self) -> Learner | None:
        key = phone_hash(self.number, self.settings.secrets.phone_hash_key)
        with self._sessions() as session:
            return session.scalar(select(Learner).where(Learner.phone_hash == key))

    def _new_outbox_rows(self, session: Any, learner_id: int) -> list[OutboxMessage]:
        rows = list(
            session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.learner_id == learner_id, OutboxMessage.id > self._seen_outbox_id
                )
                .order_by(OutboxMessage.id)
            )
        )
        if rows:
            self._seen_outbox_id = rows[-1].id
        return rows

    def _last_outbox_id(self) -> int:
        with self._sessions() as session:
            return session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc())) or 0


def phone_view(
    row: OutboxMessage, channel: ChannelName, language: str, accent_free: bool
) -> dict[str, Any]:
    """What the phone shows for ``row``; on WhatsApp a choice's buttons or list too."""
    choice = None
    if channel == ChannelName.WHATSAPP:
        choice = shown_choice(row.body, row.options, row.buttons, row.keywords, language)
    if choice is not None:
        text = choice.body
    else:
        message = Message(row.body or "", tuple(row.options or ()))
        text = render(message, channel, language, accent_free)
    info = analyse(text)
    view: dict[str, Any] = {
        "text": text,
        "kind": row.kind,
        "status": row.status,
        "encoding": info.encoding,
        "segments": info.segments,
    }
    if choice is not None:
        descriptions = choice.descriptions or ("",) * len(choice.titles)
        view["buttons"] = [
            {"tap": f"[{number}]", "title": title, "description": description}
            for number, (title, description) in enumerate(
                zip(choice.titles, descriptions, strict=True), 1
            )
        ]
        view["list_button"] = choice.list_button or None
    return view


def buttons_shown(rows: list[OutboxMessage], language: str) -> Buttons | None:
    """The buttons of the latest row that has some (what "[n]" taps next), else None."""
    for row in reversed(rows):
        choice = shown_choice(row.body, row.options, row.buttons, row.keywords, language)
        if choice is not None:
            return Buttons(choice, row.provider_sid)
    return None


def _show_buttons(view: dict[str, Any]) -> None:
    if view.get("list_button"):
        click.echo(click.style(f"  ☰ {view['list_button']}", fg="cyan"))
        for button in view["buttons"]:
            line = f"    {button['tap']} {button['title']}"
            if button["description"]:
                line += f" — {button['description']}"
            click.echo(click.style(line, fg="cyan"))
    elif view.get("buttons"):
        row = "  ".join(f"{b['tap']} {b['title']}" for b in view["buttons"])
        click.echo(click.style(f"  {row}", fg="cyan"))


def rasa_turn_details(settings: Settings, sender_id: str, message_sid: str) -> dict[str, Any]:
    """The intent, entities and actions Rasa used for one message, from its tracker."""
    response = httpx.get(
        f"{settings.rasa.servers[0]}/conversations/{sender_id}/tracker",
        params={"token": settings.rasa.token},
        timeout=10,
    )
    response.raise_for_status()
    details: dict[str, Any] = {"intent": None, "entities": [], "actions": []}
    inside = False
    for event in response.json().get("events", []):
        if event.get("event") == "user":
            inside = (event.get("metadata") or {}).get("message_sid") == message_sid
            if inside:
                parse = event.get("parse_data") or {}
                details["intent"] = parse.get("intent")
                details["entities"] = [
                    {"entity": e.get("entity"), "value": e.get("value")}
                    for e in parse.get("entities", [])
                ]
        elif inside and event.get("event") == "action":
            name = event.get("name")
            if name not in ("action_listen", None):
                details["actions"].append(name)
    return details


def _check_running(web_url: str) -> None:
    try:
        httpx.get(web_url + "/healthz", timeout=3).raise_for_status()
    except httpx.HTTPError as error:
        raise click.ClickException(
            f"lessonbot is not running at {web_url} ({error.__class__.__name__}). Start it "
            "in another terminal with `make up` (first time) or `.venv/bin/lessonbot up`."
        ) from error


@click.command("chat")
@click.option(
    "--channel", type=click.Choice([c.value for c in ChannelName]), default="sms", show_default=True
)
@click.option(
    "--number",
    default="+50760000001",
    show_default=True,
    help="The simulated learner's phone number (E.164).",
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Read one message per line from stdin; write one JSON object per turn.",
)
@click.option(
    "--wait",
    "wait_seconds",
    default=90.0,
    show_default=True,
    help="Seconds to wait for each answer.",
)
def chat(channel: ChannelName, number: str, as_json: bool, wait_seconds: float) -> None:
    """Chat as a learner through the real webhook (the system must be running)."""
    settings = load_settings()
    web_url = f"http://127.0.0.1:{settings.app.web_port}"
    _check_running(web_url)
    simulator = Simulator(settings, channel, parse_e164(number), web_url, wait_seconds)
    if not as_json:
        click.echo(f"Chatting as a learner on {channel.upper()} ({number}). Ctrl-D to quit.")
    shown: Buttons | None = None
    for line in _lines(interactive=not as_json):
        body = line.rstrip("\n")
        tap = _TAP.match(body) if channel == ChannelName.WHATSAPP else None
        if tap is not None:
            which = int(tap.group(1))
            if shown is None or not 1 <= which <= len(shown.choice.titles):
                click.echo(f"no button {body.strip()} to tap in the latest message", err=True)
                continue
            sid = simulator.post(body, tap=tap_form(shown, which))
        else:
            sid = simulator.post(body)
        rows = simulator.wait_for_turn(sid)
        learner = simulator.learner()
        language = (learner.language if learner else None) or settings.languages.default
        if channel == ChannelName.WHATSAPP:
            shown = buttons_shown(rows, language) or shown
        views = [
            phone_view(row, channel, language, settings.sms_accent_free(language)) for row in rows
        ]
        if as_json:
            turn: dict[str, Any] = {"message": body, "message_sid": sid, "replies": views}
            if learner is not None:
                turn.update(rasa_turn_details(settings, learner.public_id, sid))
            click.echo(json.dumps(turn, ensure_ascii=False))
        else:
            for view in views:
                click.echo(click.style(view["text"], fg="green"))
                _show_buttons(view)
                marker = f"[{view['encoding']}, {view['segments']} segment(s)]"
                click.echo(
                    click.style(marker if channel == ChannelName.SMS else "[WhatsApp]", dim=True)
                )


def _lines(interactive: bool):  # type: ignore[no-untyped-def]
    while True:
        if interactive:
            click.echo(click.style("you> ", bold=True), nl=False)
        line = sys.stdin.readline()
        if not line:
            return
        if line.strip() or not interactive:
            yield line
