"""Loaded by the benchmark's Rasa process only (its PYTHONPATH starts with this folder).

1. Loopback only: any connection to an address off this machine fails at once,
   so that nothing the benchmark starts can reach a real service.
2. Rasa's built-in Twilio connector posts replies with the ``twilio`` library
   to https://api.twilio.com; every Twilio URL is rewritten to the local
   stand-in named by ``BENCH_TWILIO_API_URL`` (the library's ``get_hostname``
   is the one place every request URL passes through).
3. lessonbot's custom actions answer with JSON payloads (text plus options),
   which the connector would pass to ``messages.create`` as unknown keyword
   arguments (a TypeError on every turn). A deployer of the connector would
   render text instead; ``send_custom_json`` does that here, numbering the
   options, and sends it as the connector sends any text.
4. To tell which post each of the connector's replies answers, the
   connector's webhook notes the post's MessageSid while it handles it, and
   every message it then creates carries that id on its status callback
   (``?ref=<MessageSid>:connector``), as lessonbot's sender carries its
   outbox key. The stand-in records the ref; nothing else changes.

Nothing here touches Rasa's dialogue or its validation of action answers:
the patched Rasa of the run gets that from rasa_runtime, as `lessonbot up`
runs it, and the unpatched one not at all.
"""

from __future__ import annotations

import contextvars
import importlib.abc
import importlib.util
import os
import socket
import sys
from typing import Any
from urllib.parse import urlsplit, urlunsplit

_LOOPBACK = ("127.", "::1", "localhost")
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = str(address[0] if isinstance(address, tuple) else address)
        if not host.startswith(_LOOPBACK):
            raise ConnectionRefusedError(f"benchmark: refused to connect off this machine ({host})")
    return _real_connect(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]

# The post the connector is answering: set in its webhook's task, read when it
# creates the replies within that same task.
_REPLYING_TO: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "bench_replying_to", default=None
)


def _patch_twilio(module: Any) -> None:
    target = urlsplit(os.environ["BENCH_TWILIO_API_URL"])

    def get_hostname(self: Any, uri: str) -> str:
        parts = urlsplit(uri)
        return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))

    module.ClientBase.get_hostname = get_hostname
    original_request = module.ClientBase.request

    def request(
        self: Any, method: str, uri: str, params: Any = None, data: Any = None, **kwargs: Any
    ) -> Any:
        replying_to = _REPLYING_TO.get()
        if replying_to and method.upper() == "POST" and uri.endswith("/Messages.json"):
            data = dict(data or {})
            data["StatusCallback"] = f"http://127.0.0.1/bench-status?ref={replying_to}:connector"
        return original_request(self, method, uri, params=params, data=data, **kwargs)

    module.ClientBase.request = request


def _patch_connector(module: Any) -> None:
    async def send_custom_json(
        self: Any, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        lines = [str(json_message.get("text") or "")]
        lines += [f"{n}. {option}" for n, option in enumerate(json_message.get("options") or [], 1)]
        await self.send_text_message(recipient_id, "\n".join(lines))

    module.TwilioOutput.send_custom_json = send_custom_json
    original_metadata = module.TwilioInput.get_metadata

    def get_metadata(self: Any, request: Any) -> Any:
        # Called by the webhook before it hands the message to Rasa, in the same task.
        _REPLYING_TO.set(request.form.get("MessageSid"))
        return original_metadata(self, request)

    module.TwilioInput.get_metadata = get_metadata


_PATCHES = {
    "twilio.base.client_base": _patch_twilio,
    "rasa.core.channels.twilio": _patch_connector,
}


class _AfterImport(importlib.abc.MetaPathFinder):
    """Patch a module right after it is first imported."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name not in _PATCHES:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module: Any) -> None:
            original(module)
            _PATCHES[module.__name__](module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


if os.environ.get("BENCH_TWILIO_API_URL"):
    sys.meta_path.insert(0, _AfterImport())
