"""The stack's Rasa runs through rasa_runtime, and action answers pass its validation."""

from __future__ import annotations

import pytest

from tests.integration.conftest import RasaStack

pytestmark = pytest.mark.rasa

LANGUAGE_PROMPT = "Kreyòl"  # every language prompt lists the four languages


def test_rasa_runs_patched_and_a_custom_actions_answer_reaches_the_learner(
    rasa_stack: RasaStack, new_phone
) -> None:  # type: ignore[no-untyped-def]
    phone = new_phone()
    phone.post("hola")
    phone.work()

    # The welcome and the language question come from custom actions: their
    # answers went through the patched validation.
    assert LANGUAGE_PROMPT in phone.received()[-1]
    log = (rasa_stack.log_dir / "rasa.log").read_text(errors="replace")
    assert "rasa_runtime: Rasa 3.6.21 checked;" in log
