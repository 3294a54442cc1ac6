"""`python -m rasa_runtime <rasa arguments>`: Rasa's own CLI, with the checked patch applied.

Rasa's environment runs this instead of its `rasa` script wherever Rasa
serves or tests conversations (`lessonbot up`, the integration tests, the
benchmark, scripts/rasa_nlu_accuracy.py). Any Rasa but the one the patch was
written for stops here with one line saying what was found and what to do.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping
from typing import Any

import pluggy  # Rasa's plugin machinery, in Rasa's environment

from rasa_runtime import action_validation
from rasa_runtime.checks import PatchRefused, check_version, installed_version


class PatchWhenRasaStarts:
    """A plugin for Rasa's own plugin manager (the one Rasa Pro extends Rasa with).

    Rasa calls ``configure_commandline`` once it has set up logging, warnings
    and TensorFlow, just before it runs the command. Importing Rasa's action
    module earlier, to patch it, would show start-up messages Rasa silences.
    """

    @pluggy.HookimplMarker("rasa")
    def configure_commandline(self, cmdline_arguments: Any) -> None:
        """Apply the patch, or stop Rasa with a one-line reason."""
        try:
            action_validation.apply()
        except PatchRefused as refused:
            raise SystemExit(f"rasa_runtime: {refused}") from None
        print(
            f"rasa_runtime: Rasa {action_validation.RASA_VERSION} checked; action server "
            "answers are validated with a validator built once (README: Rasa runtime patch)",
            file=sys.stderr,
            flush=True,
        )


TOKEN_VARIABLE = "LESSONBOT_RASA_TOKEN"  # noqa: S105 (a variable name)


class UnsafeStart(RuntimeError):
    """Rasa would start with its token exposed or its HTTP API open."""


def with_auth_token(argv: list[str], environ: MutableMapping[str, str]) -> list[str]:
    """Rasa's arguments, with ``--auth-token`` from the environment for a server with an API.

    The token never sits on the command line, which every user of the
    machine can read (``ps``): the process's own ``sys.argv`` is not its
    command line. It leaves the environment too, so that nothing Rasa starts
    inherits it. A server with its HTTP API and no token is refused: that API
    runs any action and reads every conversation (CVE-2024-49375).
    """
    token = environ.pop(TOKEN_VARIABLE, "")
    if "run" not in argv[1:2] or "--enable-api" not in argv:
        return argv
    if any(arg in ("--auth-token", "-t") or arg.startswith("--auth-token=") for arg in argv):
        raise UnsafeStart(f"pass Rasa's token in {TOKEN_VARIABLE}, not on the command line")
    if not token:
        raise UnsafeStart(f"{TOKEN_VARIABLE} is not set: Rasa's HTTP API would be open to anyone")
    # One argument, "--auth-token=<token>": a random token may begin with "-",
    # which argparse would take for an option after a separate "--auth-token".
    return [*argv, f"--auth-token={token}"]


def main() -> None:
    """Refuse any other Rasa before importing it; then hand the arguments to Rasa."""
    try:
        check_version(installed_version("rasa"), action_validation.RASA_VERSION)
        sys.argv = with_auth_token(sys.argv, os.environ)
    except (PatchRefused, UnsafeStart) as refused:
        sys.exit(f"rasa_runtime: {refused}")
    from rasa.__main__ import main as rasa_main
    from rasa.plugin import plugin_manager

    plugin_manager().register(PatchWhenRasaStarts())
    sys.argv[0] = "rasa"  # Rasa's usage messages name the command as its own script does
    rasa_main()


if __name__ == "__main__":
    main()
