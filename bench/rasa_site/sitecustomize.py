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

Nothing here touches Rasa's dialogue or its validation of action answers:
the patched Rasa of the run gets that from rasa_runtime, as `lessonbot up`
runs it, and the unpatched one not at all.
"""

from __future__ import annotations

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


def _patch_twilio(module: Any) -> None:
    target = urlsplit(os.environ["BENCH_TWILIO_API_URL"])

    def get_hostname(self: Any, uri: str) -> str:
        parts = urlsplit(uri)
        return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))

    module.ClientBase.get_hostname = get_hostname


def _patch_connector(module: Any) -> None:
    async def send_custom_json(
        self: Any, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        lines = [str(json_message.get("text") or "")]
        lines += [f"{n}. {option}" for n, option in enumerate(json_message.get("options") or [], 1)]
        await self.send_text_message(recipient_id, "\n".join(lines))

    module.TwilioOutput.send_custom_json = send_custom_json


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
