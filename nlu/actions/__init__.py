"""The custom actions of the lessonbot Rasa project.

Served by the action server from the app's environment:
``.venv/bin/python -m rasa_sdk --actions nlu.actions -p 5055``. Every module
is imported here so that the server registers every action, one small class
each (names in docs/CONTRACTS.md).
"""

from nlu.actions import (
    account,
    handoff,
    info,
    lessons_flow,
    onboarding,
    onboarding_form,
    privacy,
    timezone,
)

__all__ = [
    "account",
    "handoff",
    "info",
    "lessons_flow",
    "onboarding",
    "onboarding_form",
    "privacy",
    "timezone",
]
