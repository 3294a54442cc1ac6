"""`lessonbot users`: staff accounts from the command line (the first admin, leavers)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.clock import utc_now
from bot.db import make_engine, make_session_factory, session_scope
from bot.settings import load_settings
from bot.staff.accounts import AccountError, create_user, find_user, set_active, set_password
from bot.staff.models import Role, StaffUser


@contextmanager
def _database() -> Iterator[Session]:
    engine = make_engine(load_settings().app.database_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def _now() -> datetime:
    return utc_now()


def _read_password(from_stdin: bool, prompt: str = "Password") -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=True))


@click.group()
def users() -> None:
    """Staff accounts (roles: admin, staff, coordinator)."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def create(email: str, role: str, password_stdin: bool) -> None:
    """Create an account; the password is asked twice (or read from stdin)."""
    password = _read_password(password_stdin)
    try:
        with _database() as session:
            user = create_user(session, email, role, password, _now())
            created = (user.email, user.role)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"created {created[1]} account {created[0]}")


@users.command("list")
def list_users() -> None:
    """List accounts (email, role, active, last log-in)."""
    with _database() as session:
        for user in session.scalars(select(StaffUser).order_by(StaffUser.email)):
            last = user.last_login_at.isoformat(timespec="minutes") if user.last_login_at else "-"
            state = "active" if user.active else "inactive"
            click.echo(f"{user.email}\t{user.role}\t{state}\tlast log-in {last}")


@users.command("deactivate")
@click.option("--email", required=True)
def deactivate(email: str) -> None:
    """Close an account: its sessions end at the next request."""
    try:
        with _database() as session:
            set_active(session, email, False, _now())
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"deactivated {email}")


@users.command("set-password")
@click.option("--email", required=True)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of stdin."
)
def set_password_command(email: str, password_stdin: bool) -> None:
    """Set an account's password (asked twice); every session of the account ends."""
    password = _read_password(password_stdin, "New password")
    try:
        with _database() as session:
            user = find_user(session, email)
            ended = set_password(session, user, password, _now(), actor_id=None)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"password set for {email}; {ended} session(s) signed out")
