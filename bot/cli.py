"""The `lessonbot` command line. Each command lives in the module that owns it;
this file only wires them together so that `lessonbot --help` lists them all."""

from __future__ import annotations

from pathlib import Path

import click

from bot.settings import SettingsError, load_settings

# The exit status of any command whose settings are wrong.
BAD_SETTINGS_EXIT = 2


class _Commands(click.Group):
    """``lessonbot``'s commands; a bad configuration is told in one line per problem."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SettingsError as error:
            for problem in error.problems:
                click.echo(f"bad settings: {problem}", err=True)
            ctx.exit(BAD_SETTINGS_EXIT)


@click.group(cls=_Commands)
@click.pass_context
def main(ctx: click.Context) -> None:
    """lessonbot: SMS and WhatsApp lessons for migrants in Panama."""
    from lessons.cli import Defaults

    # `lessonbot lessons` reads where the lessons are from these settings.
    ctx.obj = Defaults(read=_lesson_defaults)


def _lesson_defaults() -> tuple[Path, frozenset[str]]:
    settings = load_settings()
    return settings.lessons_path, frozenset(settings.sender.sms_accent_free_languages)


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date."""
    from bot.migrate import upgrade

    upgrade(load_settings())
    click.echo("database is up to date")


@main.command()
def worker() -> None:
    """Run learners' messages through Rasa and send the outbox (SIGTERM finishes them first)."""
    from bot.inbox.desk import DESK
    from bot.messaging.worker import run_forever

    run_forever(load_settings(), DESK)


def _register_subcommands() -> None:
    # Imported here so that a broken optional module names itself clearly.
    from bot.broadcasts.cli import broadcast
    from bot.dashboard.cli import stats
    from bot.inbox.cli import inbox
    from bot.learners.completion import verify
    from bot.local.chat import chat
    from bot.local.rasa_stores import rasa_endpoints
    from bot.local.up import up
    from bot.messaging.content_cli import whatsapp
    from bot.ops.commands import actions, rasa, web
    from bot.staff.cli import users
    from bot.tags.cli import tags
    from lessons.cli import lessons
    from scheduler.main import scheduler

    commands = (chat, up, web, rasa, actions, rasa_endpoints, lessons, scheduler, users, stats)
    for command in (*commands, broadcast, verify, tags, inbox, whatsapp):
        main.add_command(command)


_register_subcommands()
