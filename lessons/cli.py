"""`lessonbot lessons`: check, measure and preview the lesson content.

The lessons depend on nothing of the app but ``bot.text``: where the lesson
files are and whether SMS drop accents come from the app's settings only
through ``Defaults``, which `lessonbot` hands down (``bot.cli``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from bot.text.choices import Choice, ChoiceKind, option_choice
from bot.text.i18n import gettext_for
from bot.text.render import ChannelName, Message, render
from bot.text.sms import analyse
from lessons.loader import CheckResult, check_catalog
from lessons.model import LANGUAGES, Catalog
from lessons.render import lesson_message, question_message
from lessons.report import build_report, format_report

CONTENT_DIRECTORY = Path(__file__).resolve().parent / "content"


@dataclass(frozen=True)
class Defaults:
    """What the commands use unless an option says otherwise, read only when needed.

    ``read`` returns the lesson directory and the languages whose SMS are sent
    accent-free: `lessonbot` passes its settings' (``lessons.directory``,
    ``sender.sms_accent_free_languages``); run on its own, the group uses the
    lessons beside this file, with accents.
    """

    read: Callable[[], tuple[Path, frozenset[str]]] = lambda: (CONTENT_DIRECTORY, frozenset())


_directory_option = click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Lesson directory (default: lessons.directory in config.yml).",
)


@click.group()
def lessons() -> None:
    """Check, measure and preview the lesson content."""


@lessons.command()
@_directory_option
def check(directory: Path | None) -> None:
    """Validate every lesson file; exit 1 listing every error."""
    result = _check(directory)
    for problem in (*result.errors, *result.warnings):
        click.echo(str(problem))
    warnings = _count(len(result.warnings), "warning")
    if result.catalog is None:
        click.echo(f"{_count(len(result.errors), 'error')}, {warnings}")
        raise SystemExit(1)
    lessons = _count(len(result.catalog.lessons), "lesson")
    courses = _count(len(result.catalog.courses), "course")
    click.echo(
        f"OK: {lessons} in {courses}, {len(LANGUAGES)} languages ({', '.join(LANGUAGES)}), "
        f"{warnings}"
    )


@lessons.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@_directory_option
def report(as_json: bool, directory: Path | None) -> None:
    """Characters, encoding and SMS segments of every message of every lesson."""
    lesson_report = build_report(_load(directory))
    if as_json:
        click.echo(json.dumps(lesson_report.as_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(lesson_report, _defaults()[1]))


@lessons.command()
@click.argument("key")
@click.option("--lang", "language", type=click.Choice(LANGUAGES), default="es", show_default=True)
@click.option(
    "--channel", type=click.Choice([c.value for c in ChannelName]), default="sms", show_default=True
)
@click.option(
    "--accent-free/--with-accents",
    default=None,
    help="SMS without Spanish and French accents"
    " (default: as sender.sms_accent_free_languages says for --lang).",
)
@_directory_option
def preview(
    key: str, language: str, channel: str, accent_free: bool | None, directory: Path | None
) -> None:
    """Print a lesson and its questions exactly as the phone shows them."""
    catalog = _load(directory)
    try:
        lesson = catalog.lesson(key)
    except KeyError:
        known = ", ".join(lesson.key for lesson in catalog.lessons)
        raise click.ClickException(f"unknown lesson {key!r}; known: {known}") from None
    if accent_free is None:
        accent_free = language in _defaults()[1]
    messages = [lesson_message(lesson, language)]
    messages += [question_message(question, language) for question in lesson.questions]
    for index, message in enumerate(messages):
        if index:
            click.echo()
        click.echo(_preview(message, channel, language, accent_free))


def _preview(message: Message, channel: str, language: str, accent_free: bool) -> str:
    if channel == ChannelName.WHATSAPP:
        return _preview_whatsapp(message, language)
    text = render(message, channel, language, accent_free=accent_free)
    info = analyse(text)
    forced = f" (forced by {' '.join(info.non_gsm_chars)})" if info.non_gsm_chars else ""
    plural = "" if info.segments == 1 else "s"
    return (
        f"{text}\n-- SMS: {info.encoding}{forced}, {info.segments} segment{plural}, "
        f"{info.characters} characters"
    )


def _preview_whatsapp(message: Message, language: str) -> str:
    """The text, then the buttons or the list under it, as bot.messaging.sender sends them."""
    # The actions send a title on the first line of the text (nlu/actions/context.py).
    sent = f"{message.title}\n{message.text}" if message.title else message.text
    choice = option_choice(sent, message.options, language, message.buttons)
    if choice is not None:
        lines = _choice_lines(choice)
        return f"{choice.body}\n{lines}\n-- WhatsApp: {len(choice.body)} characters"
    # No options, or the sender's own fallback: a text too long for Content goes numbered.
    text = render(message, ChannelName.WHATSAPP, language)
    return f"{text}\n-- WhatsApp: {len(text)} characters"


def _choice_lines(choice: Choice) -> str:
    """Quick replies as ``[1 title]`` on one line; a list as its button and ``▸`` items."""
    numbered = [(str(number), title) for number, title in enumerate(choice.titles, 1)]
    if choice.kind == ChoiceKind.QUICK_REPLY:
        return " ".join(f"[{n}]" if title == n else f"[{n} {title}]" for n, title in numbered)
    lines = [f"(list button: {choice.list_button})"]
    for (_, title), description in zip(numbered, choice.descriptions, strict=True):
        lines.append(f"▸ {title} — {description}" if description else f"▸ {title}")
    return "\n".join(lines)


def _check(directory: Path | None) -> CheckResult:
    _require_gettext_catalogs()
    return check_catalog(directory or _defaults()[0])


def _load(directory: Path | None) -> Catalog:
    result = _check(directory)
    if result.catalog is None:
        for error in result.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(
            f"{_count(len(result.errors), 'error')} in the lessons (see `lessonbot lessons check`)"
        )
    return result.catalog


def _require_gettext_catalogs() -> None:
    # The SMS footer ("Responde 1, 2 o 3") is measured in each language, so
    # sizes are only right with the compiled catalogs.
    for language in LANGUAGES:
        try:
            gettext_for(language)
        except OSError as error:
            raise click.ClickException(
                f"no compiled gettext catalog for {language!r} ({error}): run `make catalogs`"
            ) from None


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _defaults() -> tuple[Path, frozenset[str]]:
    # Read only when needed: the command line options take precedence.
    found = click.get_current_context().find_object(Defaults)
    return (found or Defaults()).read()
