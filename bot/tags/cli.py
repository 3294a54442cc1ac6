"""`lessonbot tags`: put tags (sites, cohorts) on learners by pseudonymous id, list them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import click
from sqlalchemy.orm import Session

from bot.clock import utc_now
from bot.db import make_engine, make_session_factory, session_scope
from bot.settings import load_settings
from bot.tags.service import LearnerIds, TagChange, TagError, change_tag, parse_ids, tag_counts


@contextmanager
def _database() -> Iterator[Session]:
    engine = make_engine(load_settings().app.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def _ids(learner: tuple[str, ...], from_file: IO[str] | None) -> LearnerIds:
    lines = list(learner) + (list(from_file) if from_file else [])
    if not lines:
        raise click.UsageError("name learners with --learner or --from-file")
    return parse_ids(lines)


def _report(change: TagChange) -> None:
    done = "tagged" if change.added else "untagged"
    had = "already had it" if change.added else "did not have it"
    click.echo(f"{done} {len(change.changed)} learners ({change.tag}); {change.unchanged} {had}")
    if change.unknown:
        click.echo(
            f"warning: {len(change.unknown)} ids match no learner: " + ", ".join(change.unknown),
            err=True,
        )
    if change.rejected:
        click.echo(
            f"warning: {change.rejected} entries are not learner ids and were skipped "
            "(not shown: they may be phone numbers)",
            err=True,
        )


def _change(tag: str, learners: LearnerIds, add: bool) -> None:
    now = utc_now()
    try:
        with _database() as session:
            change = change_tag(session, tag, learners, add=add, now=now)
    except TagError as error:
        raise click.BadParameter(str(error), param_hint="TAG") from error
    _report(change)


_learner_option = click.option(
    "--learner",
    "learner",
    multiple=True,
    metavar="PUBLIC_ID",
    help="A learner's pseudonymous id (repeat for more).",
)
_file_option = click.option(
    "--from-file",
    type=click.File("r", encoding="utf-8"),
    help="A file of pseudonymous ids, one a line ('-': standard input).",
)


@click.group()
def tags() -> None:
    """Tags (sites, cohorts) on learners, by pseudonymous id; never by phone number."""


@tags.command("add")
@click.argument("tag")
@_learner_option
@_file_option
def add(tag: str, learner: tuple[str, ...], from_file: IO[str] | None) -> None:
    """Put TAG on the learners named."""
    _change(tag, _ids(learner, from_file), add=True)


@tags.command("remove")
@click.argument("tag")
@_learner_option
@_file_option
def remove(tag: str, learner: tuple[str, ...], from_file: IO[str] | None) -> None:
    """Take TAG off the learners named."""
    _change(tag, _ids(learner, from_file), add=False)


@tags.command("list")
def list_tags() -> None:
    """Every tag in use, with its number of learners."""
    with _database() as session:
        counts = tag_counts(session)
    if not counts:
        click.echo("no tags yet")
    for tag, count in counts:
        click.echo(f"{tag}\t{count}")
