"""Rasa 3.6.21 checks each action server answer with a validator built once, not per answer.

Rasa's ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``
on every answer of the action server. That function first checks the schema
itself against jsonschema's meta-schema and builds a new validator, every
time: 44 % of Rasa's CPU in the benchmark's profile, for a schema that is a
constant. The replacement builds that validator once, when Rasa starts (with
the same meta-schema check), and accepts an answer when the validator finds no
error, which is exactly when ``jsonschema.validate`` raises nothing. Any
answer it does not accept goes to Rasa's own, untouched method, so an invalid
answer is refused with the very error Rasa raises (same type, same message).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_runtime.checks import check_source, check_version, installed_version

RASA_VERSION = "3.6.21"
# SHA-256 of inspect.getsource() of the methods replaced or relied on, in Rasa 3.6.21.
REPLACED_SOURCE = "f8cdb4be6812396167ced74161b2ccd65c5ea676ad86d7d359d8c322d9d8dc42"
SCHEMA_SOURCE = "091b74aa3738d1262cf3c028386aaf9dd4f0d5c1374b62392411d70a79104a46"


def apply(rasa_version: str | None = None) -> None:
    """Check the installed Rasa, then give ``RemoteAction`` the validator built once.

    Raises ``PatchRefused`` (and changes nothing) for any Rasa but 3.6.21 or
    when either method's source differs from the one this patch was written for.
    """
    check_version(rasa_version or installed_version("rasa"), RASA_VERSION)
    from rasa.core.actions.action import RemoteAction

    original = RemoteAction._validate_action_result
    check_source(original, REPLACED_SOURCE, "RemoteAction._validate_action_result")
    spec = RemoteAction.action_response_format_spec
    check_source(spec, SCHEMA_SOURCE, "RemoteAction.action_response_format_spec")
    RemoteAction._validate_action_result = prebuilt_validation(original, spec)  # type: ignore[method-assign]


def prebuilt_validation(
    original: Callable[[Any, Any], bool], response_spec: Callable[[], dict[str, Any]]
) -> Callable[[Any, Any], bool]:
    """A drop-in ``_validate_action_result`` that checks with one validator built now."""
    from jsonschema.validators import validator_for

    schema = response_spec()
    kind = validator_for(schema)  # what jsonschema.validate picks for this schema
    kind.check_schema(schema)  # what jsonschema.validate does on every call: once is enough
    validator = kind(schema)

    def _validate_action_result(self: Any, result: Any) -> bool:
        """Accept a valid answer at once; leave every other one to Rasa's own method."""
        # A subclass with a schema of its own keeps Rasa's behaviour. The
        # validator is used from Rasa's event loop only (no two threads at once).
        if type(self).action_response_format_spec is response_spec and validator.is_valid(result):
            return True
        return original(self, result)

    _validate_action_result.patched_by = __name__  # type: ignore[attr-defined]
    return _validate_action_result
