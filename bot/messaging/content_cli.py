"""`lessonbot whatsapp`: WhatsApp's buttons and lists (Twilio Content resources)."""

from __future__ import annotations

from contextlib import closing

import click

from bot.clock import utc_now
from bot.db import make_engine, make_session_factory, session_scope
from bot.messaging.channels.twilio_content import ContentApiError, TwilioContent
from bot.messaging.content_sync import SyncReport, needed_choices, sync
from bot.settings import load_settings
from lessons import load_catalog


@click.group()
def whatsapp() -> None:
    """WhatsApp's buttons and lists (Twilio Content resources)."""


@whatsapp.command("sync")
@click.option("--verbose", "-v", is_flag=True, help="Name each resource created or found.")
def sync_command(verbose: bool) -> None:
    """Create the Twilio Content behind WhatsApp's buttons and lists; record their SIDs.

    Covers every lesson question, the course menu, the onboarding menus
    (language, consent, time, days) and the help menu, in each supported
    language, and every choice a message has shown that has no Content yet.
    The time zone menus (and DELETE's confirmation) are not made ahead: the
    first message that shows one records it and goes as numbered text; the
    next run creates it. Run after each change of lessons or menus, and now
    and then (safe to repeat: what exists is found, not made again).
    """
    settings = load_settings()
    if settings.channel_name != "twilio":
        raise click.ClickException(
            "Twilio is not configured (set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN):"
            " nothing to sync; without Twilio, options go as numbered text"
        )
    needed = needed_choices(
        load_catalog(settings.lessons_path),
        settings.languages.supported,
        settings.app.message_retention_days,
    )
    engine = make_engine(settings.app.database_url)
    sessions = make_session_factory(engine)
    failure: ContentApiError | None = None
    try:
        with closing(TwilioContent(settings)) as api, session_scope(sessions) as session:
            try:
                report = sync(session, api, needed, utc_now())
            except ContentApiError as error:
                # The SIDs recorded before the failure are kept (committed on the way out).
                failure = error
    finally:
        engine.dispose()
    if failure is not None:
        raise click.ClickException(f"{failure}; what was done before is kept: run it again")
    _print(report, verbose)


def _print(report: SyncReport, verbose: bool) -> None:
    if verbose:
        for name in report.created:
            click.echo(f"created {name}")
        for name in report.found:
            click.echo(f"already at Twilio {name}")
    click.echo(report.summary())
