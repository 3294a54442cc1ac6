"""The one error a bad configuration raises: every problem, one line each."""

from __future__ import annotations

from collections.abc import Sequence


class SettingsError(ValueError):
    """The configuration is missing a value or has one of the wrong kind.

    ``problems`` holds one line per problem, each naming the setting (its
    YAML path and environment variable) so an operator can fix it at once.
    """

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems = (problems,) if isinstance(problems, str) else tuple(problems)
        super().__init__("\n".join(self.problems))
