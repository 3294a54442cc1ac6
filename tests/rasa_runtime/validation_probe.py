"""Run Rasa's RemoteAction against canned action server answers; print the outcomes as JSON.

Runs under Rasa's Python, started by test_action_validation.py:

    .venv-rasa/bin/python tests/rasa_runtime/validation_probe.py [--patched] < answers.json

Each answer is served by a real HTTP action server on loopback and fetched by
``RemoteAction.run``, Rasa's own path from the request to the validation.
With ``--patched``, ``rasa_runtime.action_validation.apply()`` runs first, as
the launcher runs it. The last line of stdout is the JSON result.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from typing import Any

from aiohttp import web
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig


def count_schema_checks() -> list[int]:
    """Count the meta-schema checks of the answer schema (jsonschema.validate makes one a call)."""
    kind = validator_for(RemoteAction.action_response_format_spec())
    original = kind.check_schema.__func__
    calls = [0]

    def check_schema(cls: Any, *args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return original(cls, *args, **kwargs)

    kind.check_schema = classmethod(check_schema)
    return calls


async def action_server(answers: list[Any]) -> tuple[web.AppRunner, str]:
    """An action server that gives answer n to the action named case_n."""

    async def answer(request: web.Request) -> web.Response:
        body = await request.json()
        return web.json_response(answers[int(body["next_action"].removeprefix("case_"))])

    app = web.Application()
    app.router.add_post("/webhook", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    await web.SockSite(runner, listener).start()
    return runner, f"http://127.0.0.1:{listener.getsockname()[1]}/webhook"


async def outcomes(answers: list[Any]) -> list[dict[str, Any]]:
    runner, url = await action_server(answers)
    found = []
    try:
        for number in range(len(answers)):
            action = RemoteAction(f"case_{number}", EndpointConfig(url))
            try:
                events = await action.run(
                    CollectingOutputChannel(),
                    TemplatedNaturalLanguageGenerator({}),
                    DialogueStateTracker("probe", []),
                    Domain.empty(),
                )
            except ValidationError as refused:
                kind = type(refused)
                found.append(
                    {
                        "refused": f"{kind.__module__}.{kind.__qualname__}",
                        "message": refused.message,
                        "text": str(refused),
                    }
                )
                continue
            accepted = [{k: v for k, v in e.as_dict().items() if k != "timestamp"} for e in events]
            found.append({"accepted": accepted})
    finally:
        await runner.cleanup()
    return found


def main() -> None:
    answers = json.load(sys.stdin)
    checks = count_schema_checks()
    if "--patched" in sys.argv:
        from rasa_runtime import action_validation

        action_validation.apply()
    result = {
        "patched_by": getattr(RemoteAction._validate_action_result, "patched_by", None),
        "outcomes": asyncio.run(outcomes(answers)),
        "schema_checks": checks[0],
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
