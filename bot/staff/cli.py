"""`lessonbot users`: staff accounts from the command line (the first admin, leavers).

The same steps as the admins' users page (``bot.staff.admin``), audited the
same way with no actor: whoever runs the command has the server already.
"""

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
from bot.staff.accounts import (
    AccountError,
    create_user,
    find_user,
    set_active,
    set_password,
    set_role,
)
from bot.staff.invitations import INVITATION_DAYS, invite
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
    """Close an account: its sessions end at once (never the last active admin)."""
    _set_active(email, active=False)
    click.echo(f"deactivated {email}")


@users.command("reactivate")
@click.option("--email", required=True)
def reactivate(email: str) -> None:
    """Open a deactivated account again (its password is unchanged)."""
    _set_active(email, active=True)
    click.echo(f"reactivated {email}")


def _set_active(email: str, active: bool) -> None:
    try:
        with _database() as session:
            set_active(session, email, active, _now())
    except AccountError as error:
        raise click.ClickException(str(error)) from error


@users.command("set-role")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
def set_role_command(email: str, role: str) -> None:
    """Give an account another role (the last active admin stays one)."""
    try:
        with _database() as session:
            changed = set_role(session, find_user(session, email), role, _now(), actor_id=None)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{email} is now {role}" if changed else f"{email} was {role} already")


@users.command("invite")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
def invite_command(email: str, role: str) -> None:
    """Print a one-time link with which the person chooses a password and joins."""
    settings = load_settings()
    try:
        with _database() as session:
            invitation = invite(session, email, role, _now(), actor_id=None)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"invitation for {invitation.email} as {role}, valid {INVITATION_DAYS} days, once:")
    click.echo(invitation.link(settings.app.public_url))


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
