"""Rasa's token reaches Rasa from the environment, never from the command line."""

from __future__ import annotations

import argparse

import pytest

from rasa_runtime.__main__ import TOKEN_VARIABLE, UnsafeStart, with_auth_token

SERVER = ["rasa", "run", "--enable-api", "--port", "5005"]


def test_the_server_gets_the_token_from_the_environment_which_then_forgets_it() -> None:
    environ = {TOKEN_VARIABLE: "s3cret", "PATH": "/usr/bin"}

    argv = with_auth_token(list(SERVER), environ)

    assert argv == [*SERVER, "--auth-token=s3cret"]
    assert environ == {"PATH": "/usr/bin"}  # nothing Rasa starts inherits it


def test_a_server_with_its_api_and_no_token_does_not_start() -> None:
    with pytest.raises(UnsafeStart, match=f"{TOKEN_VARIABLE} is not set"):
        with_auth_token(list(SERVER), {})


def test_a_token_on_the_command_line_is_refused() -> None:
    with pytest.raises(UnsafeStart, match="not on the command line"):
        with_auth_token([*SERVER, "--auth-token", "visible"], {TOKEN_VARIABLE: "s3cret"})


@pytest.mark.parametrize("argv", [["rasa", "test", "core"], ["rasa", "run", "actions"]])
def test_other_commands_are_left_alone(argv: list[str]) -> None:
    assert with_auth_token(list(argv), {TOKEN_VARIABLE: "s3cret"}) == argv


def test_a_token_that_begins_with_a_dash_reaches_rasa_as_its_value() -> None:
    """token_urlsafe() begins with "-" one time in 64: argparse must not read it as an option."""
    argv = with_auth_token(list(SERVER), {TOKEN_VARIABLE: "-Zq3"})
    parser = argparse.ArgumentParser()
    parser.add_argument("-t", "--auth-token")
    known, _rest = parser.parse_known_args(argv[1:])
    assert known.auth_token == "-Zq3"
