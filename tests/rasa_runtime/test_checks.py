"""The patch's refusals, without Rasa: the checks take what they compare as parameters."""

from __future__ import annotations

import pytest

from rasa_runtime import action_validation
from rasa_runtime.checks import PatchRefused, check_source, check_version, source_digest


def test_the_exact_version_is_accepted() -> None:
    check_version("3.6.21", "3.6.21")


@pytest.mark.parametrize("found", ["3.6.20", "3.6.22", "3.7.0", "not installed"])
def test_any_other_version_is_refused_in_one_line_naming_it_and_the_way_out(found: str) -> None:
    with pytest.raises(PatchRefused) as refused:
        check_version(found, "3.6.21")
    message = str(refused.value)
    assert f"the installed Rasa is {found}," in message
    assert "Rasa 3.6.21 only" in message
    assert "remove the patch" in message
    assert "update it" in message
    assert "\n" not in message


def test_apply_refuses_another_version_before_it_imports_rasa() -> None:
    # The app's environment has no Rasa: importing it here would fail otherwise.
    with pytest.raises(PatchRefused, match=r"the installed Rasa is 3\.6\.20,"):
        action_validation.apply("3.6.20")


def _rasa_like(self: object, result: dict[str, object]) -> bool:
    return True


def test_the_expected_source_is_accepted() -> None:
    check_source(_rasa_like, source_digest(_rasa_like), "RemoteAction._validate_action_result")


def test_a_changed_source_is_refused_naming_the_function() -> None:
    with pytest.raises(PatchRefused) as refused:
        check_source(_rasa_like, action_validation.REPLACED_SOURCE, "RemoteAction.x")
    message = str(refused.value)
    assert "RemoteAction.x in the installed Rasa is not the code" in message
    assert f"expected {action_validation.REPLACED_SOURCE[:12]}" in message
    assert "remove the patch" in message
    assert "\n" not in message
