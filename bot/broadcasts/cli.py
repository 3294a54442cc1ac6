"""`lessonbot broadcast`: the broadcast pages' steps from the command line.

    lessonbot broadcast create --as staff@example.org --text es="Hola {first_name}" \\
        --name-fallback es=amiga --text en="Hi" --fallback-language es --channel sms
    lessonbot broadcast preview 7 --json
    lessonbot broadcast send 7 --as staff@example.org [--at 2026-05-01T09:00]
    lessonbot broadcast status 7 --json
    lessonbot broadcast approve 7 --as other@example.org      (above the threshold)
    lessonbot broadcast cancel 7 --as staff@example.org

Each step is done as the named staff account (approval needs two people, and
the audit log says who). ``--json`` prints one JSON object for scripts; an
invalid broadcast exits with status 2 and its errors, naming the fields.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.broadcasts import BROADCASTERS, forms, lifecycle, preview, progress
from bot.broadcasts.audience import PROGRESS, Audience
from bot.broadcasts.compose import Draft, FieldError, clean_text
from bot.broadcasts.models import Broadcast
from bot.clock import utc_now
from bot.db import make_engine, make_session_factory, session_scope
from bot.settings import Settings, load_settings
from bot.staff.accounts import normalise_email
from bot.staff.models import StaffUser
from bot.vocab import ChannelName

INVALID = 2


@contextmanager
def _database(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.app.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def _now() -> datetime:
    return utc_now()


def _actor(session: Session, email: str) -> int:
    user = session.scalar(select(StaffUser).where(StaffUser.email == normalise_email(email)))
    if user is None or not user.active or user.role not in BROADCASTERS:
        raise click.ClickException(f"{email} is not an active staff or admin account")
    return user.id


def _load(session: Session, broadcast_id: int) -> Broadcast:
    broadcast = session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise click.ClickException(f"no broadcast {broadcast_id}")
    return broadcast


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    found = {}
    for value in values:
        language, sep, text = value.partition("=")
        if not sep or not language:
            raise click.BadParameter(f"expected LANGUAGE=VALUE, got {value!r}", param_hint=option)
        found[language.strip()] = text
    return found


def _utc(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def _errors(errors: tuple[FieldError, ...] | list[FieldError]) -> list[dict[str, str]]:
    return [{"field": error.field, "message": error.message} for error in errors]


def _emit(data: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo("\n".join(lines))


@click.group()
def broadcast() -> None:
    """Staff broadcasts: create, preview, send, follow."""


@broadcast.command("create")
@click.option("--as", "email", required=True, help="The staff account doing it.")
@click.option("--title", default="")
@click.option("--base-language", default=None, help="Default: the app's default language.")
@click.option("--text", "texts", multiple=True, help='LANGUAGE=TEXT, e.g. es="Hola".')
@click.option("--text-file", "text_files", multiple=True, type=str, help="LANGUAGE=PATH.")
@click.option("--name-fallback", "name_fallbacks", multiple=True, help="LANGUAGE=VALUE.")
@click.option("--fallback-language", default=None, help="Else missing languages block it.")
@click.option("--language", "languages", multiple=True, help="Audience: learner language.")
@click.option("--channel", type=click.Choice([c.value for c in ChannelName]), default=None)
@click.option("--course", default=None)
@click.option("--progress", "progress_", type=click.Choice(PROGRESS), default=None)
@click.option("--enrolled-from", default=None, help="YYYY-MM-DD")
@click.option("--enrolled-to", default=None, help="YYYY-MM-DD, included")
@click.option("--tag", "tags", multiple=True)
@click.option("--include-paused", is_flag=True)
@click.option("--json", "as_json", is_flag=True)
def create(**options: Any) -> None:
    """Save a draft; print its id and anything that would stop it from being sent."""
    settings = load_settings()
    texts = _pairs(options["texts"], "--text")
    for language, path in _pairs(options["text_files"], "--text-file").items():
        texts[language] = Path(path).read_text(encoding="utf-8")
    audience = Audience.from_json(
        {
            "languages": options["languages"],
            "channel": options["channel"],
            "course": options["course"],
            "progress": options["progress_"],
            "enrolled_from": options["enrolled_from"],
            "enrolled_to": options["enrolled_to"],
            "tags": options["tags"],
            "include_paused": options["include_paused"],
        }
    )
    draft = Draft(
        base_language=options["base_language"] or settings.languages.default,
        texts={lang: clean_text(text) for lang, text in texts.items() if clean_text(text)},
        fallback_language=options["fallback_language"],
        name_fallbacks=_pairs(options["name_fallbacks"], "--name-fallback"),
        audience=audience,
        title=options["title"],
    )
    with _database(settings) as session:
        created = lifecycle.create(session, draft, _actor(session, options["email"]), _now())
        shown = preview.build(session, draft, settings, _now())
        errors = _errors(shown.errors)
        data = {
            "id": created.id,
            "status": created.status,
            "recipients": shown.recipients,
            "errors": errors,
        }
    lines = [f"created draft broadcast {data['id']} for {data['recipients']} learners"]
    lines += [f"error: {e['field']}: {e['message']}" for e in errors]
    _emit(data, options["as_json"], lines)
    if errors:
        sys.exit(INVALID)


@broadcast.command("preview")
@click.argument("broadcast_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def preview_command(broadcast_id: int, as_json: bool) -> None:
    """Each language and channel as the phone shows it, segments, and the cost."""
    settings = load_settings()
    with _database(settings) as session:
        draft = Draft.from_broadcast(_load(session, broadcast_id))
        shown = preview.build(session, draft, settings, _now())
    renditions = [asdict(r) | {"cost": round(r.cost, 4)} for r in shown.renditions]
    data = {
        "id": broadcast_id,
        "recipients": shown.recipients,
        "by_route": shown.by_route,
        "by_language": shown.by_language,
        "blocked": shown.blocked,
        "estimated_cost": round(shown.cost, 4),
        "renditions": renditions,
        "errors": _errors(shown.errors),
    }
    lines = [f"broadcast {broadcast_id}: {shown.recipients} recipients, cost ~{shown.cost:.2f}"]
    for r in shown.renditions:
        sms = f", {r.encoding}, {r.segments} segment(s)" if r.encoding else ""
        lines.append(f"--- {r.language} {r.route}: {r.recipients} recipients{sms}")
        lines.append(r.text)
    lines += [f"error: {e.field}: {e.message}" for e in shown.errors]
    _emit(data, as_json, lines)


@broadcast.command("send")
@click.argument("broadcast_id", type=int)
@click.option("--as", "email", required=True, help="The staff account doing it.")
@click.option("--at", "at", default=None, help="Start time, Panama time unless an offset is given.")
@click.option("--json", "as_json", is_flag=True)
def send(broadcast_id: int, email: str, at: str | None, as_json: bool) -> None:
    """Send now (after the undo window) or at --at; above the threshold, ask for approval."""
    settings = load_settings()
    send_at, errors = forms.parse_send_at("later" if at else "now", at)
    if not errors:
        with _database(settings) as session:
            item = _load(session, broadcast_id)
            try:
                lifecycle.request_send(
                    session, item, _actor(session, email), send_at, settings, _now()
                )
            except lifecycle.BroadcastError as error:
                errors = list(error.errors) or [FieldError("status", error.message)]
            data = {"id": item.id, "status": item.status, "send_at": _utc(item.send_at)}
    if errors:
        _fail(broadcast_id, errors, as_json)
    _emit(data, as_json, [f"broadcast {broadcast_id}: {data['status']}, starts {data['send_at']}"])


@broadcast.command("approve")
@click.argument("broadcast_id", type=int)
@click.option("--as", "email", required=True, help="Another staff account than the author's.")
@click.option("--json", "as_json", is_flag=True)
def approve(broadcast_id: int, email: str, as_json: bool) -> None:
    """Approve a broadcast waiting for a second staff member."""
    _step(broadcast_id, email, as_json, "approve")


@broadcast.command("cancel")
@click.argument("broadcast_id", type=int)
@click.option("--as", "email", required=True, help="The staff account doing it.")
@click.option("--json", "as_json", is_flag=True)
def cancel(broadcast_id: int, email: str, as_json: bool) -> None:
    """Cancel it; while sending, the messages still queued are stopped."""
    _step(broadcast_id, email, as_json, "cancel")


def _step(broadcast_id: int, email: str, as_json: bool, action: str) -> None:
    settings = load_settings()
    with _database(settings) as session:
        item = _load(session, broadcast_id)
        try:
            if action == "approve":
                lifecycle.approve(session, item, _actor(session, email), settings, _now())
            else:
                lifecycle.cancel(session, item, _actor(session, email), _now())
        except lifecycle.BroadcastError as error:
            failed = [FieldError("status", error.message)]
        else:
            failed = []
        data = {"id": item.id, "status": item.status, "send_at": _utc(item.send_at)}
    if failed:
        _fail(broadcast_id, failed, as_json)
    _emit(data, as_json, [f"broadcast {broadcast_id}: {data['status']}"])


def _fail(broadcast_id: int, errors: list[FieldError], as_json: bool) -> NoReturn:
    lines = [f"error: {error.field}: {error.message}" for error in errors]
    _emit({"id": broadcast_id, "errors": _errors(errors)}, as_json, lines)
    sys.exit(INVALID)


@broadcast.command("status")
@click.argument("broadcast_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def status(broadcast_id: int, as_json: bool) -> None:
    """Where it is: status, and the delivery counts once it has started."""
    with _database(load_settings()) as session:
        item = _load(session, broadcast_id)
        counts = asdict(progress.progress(session, item)) if item.started_at else None
        data = {
            "id": item.id,
            "status": item.status,
            "send_at": _utc(item.send_at),
            "started_at": _utc(item.started_at),
            "finished_at": _utc(item.finished_at),
            "recipients": item.recipient_count,
            "counts": counts,
        }
    lines = [f"broadcast {broadcast_id}: {data['status']}"]
    lines += [f"{name}: {value}" for name, value in (counts or {}).items()]
    _emit(data, as_json, lines)
