"""A fast local stand-in for Twilio's Messages API, in a process of its own.

    python -m bench.standin --port N [--delay-ms D]

``POST /2010-04-01/Accounts/{sid}/Messages.json`` answers 201 with a Message
resource shaped as Twilio's OpenAPI description says (``check_message``
below checks it against ``../shared/twilio-oai/twilio_api_v2010.json``), and
records the time it arrived (``time.monotonic()``: one clock for every
process of this machine), the account, the recipient, the form's field names
and the outbox key carried on the status callback (``?ref=``).

``GET /_bench/records?since=N`` returns the records from index N on;
``POST /_bench/reset`` forgets them. Nothing here ever calls out.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import re
import secrets
import time
from datetime import UTC
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from aiohttp import web

from bot.clock import utc_now

MESSAGES_PATH = "/2010-04-01/Accounts/{account}/Messages.json"


def message_resource(account: str, form: dict[str, str]) -> dict[str, Any]:
    """The JSON Twilio answers to a created message (status ``accepted`` or ``queued``)."""
    sid = "SM" + secrets.token_hex(16)
    now = format_datetime(utc_now().replace(tzinfo=UTC), usegmt=True)
    service = form.get("MessagingServiceSid")
    return {
        "account_sid": account,
        "api_version": "2010-04-01",
        "body": form.get("Body", ""),
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": form.get("From"),
        "messaging_service_sid": service,
        "num_media": "0",
        "num_segments": "0" if service else "1",
        "price": None,
        "price_unit": None,
        "sid": sid,
        "status": "accepted" if service else "queued",
        "subresource_uris": {"media": f"/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"},
        "to": form.get("To"),
        "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
    }


def _basic_user(header: str) -> str | None:
    if not header.startswith("Basic "):
        return None
    try:
        return base64.b64decode(header[6:]).decode().split(":", 1)[0]
    except ValueError:
        return None


class StandIn:
    def __init__(self, delay_seconds: float) -> None:
        self.delay = delay_seconds
        self.records: list[dict[str, Any]] = []

    async def create_message(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        account = request.match_info["account"]
        form = {key: str(value) for key, value in (await request.post()).items()}
        callback = urlsplit(form.get("StatusCallback", ""))
        refs = parse_qs(callback.query).get("ref")
        ref = refs[0] if refs else None
        self.records.append(
            {
                "t": arrived,
                "account": account,
                "auth_ok": _basic_user(request.headers.get("Authorization", "")) == account,
                "to": form.get("To"),
                "ref": ref,
                "fields": sorted(form),
                "body_chars": len(form.get("Body", "")),
            }
        )
        if self.delay:
            await asyncio.sleep(self.delay)
        return web.json_response(message_resource(account, form), status=201)

    async def list_records(self, request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return web.json_response({"count": len(self.records), "records": self.records[since:]})

    async def reset(self, _request: web.Request) -> web.Response:
        self.records.clear()
        return web.json_response({"count": 0})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(MESSAGES_PATH, self.create_message)
        app.router.add_get("/_bench/records", self.list_records)
        app.router.add_post("/_bench/reset", self.reset)
        return app


# --- the answer checked against Twilio's OpenAPI description -----------------


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = spec
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _problems(spec: dict[str, Any], schema: dict[str, Any], value: Any, where: str) -> list[str]:
    schema = _resolve(spec, schema)
    if value is None:
        return [] if schema.get("nullable") else [f"{where}: null but not nullable"]
    kinds: dict[str, type | tuple[type, ...]] = {
        "string": str,
        "integer": int,
        "object": dict,
        "array": list,
        "number": (int, float),
    }
    kind = schema.get("type")
    if kind in kinds and not isinstance(value, kinds[kind]):
        return [f"{where}: {type(value).__name__}, expected {kind}"]
    found = []
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{where}: {value!r} not in the enum")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 10**9):
            found.append(f"{where}: length {len(value)} out of bounds")
    return found


def check_message(oai_path: str) -> dict[str, Any]:
    """Check the stand-in's answer (status code, fields, types) against Twilio's OpenAPI."""
    spec = json.loads(Path(oai_path).read_text())
    operation = spec["paths"][MESSAGES_PATH.replace("{account}", "{AccountSid}")]["post"]
    problems: list[str] = []
    success = sorted(code for code in operation["responses"] if code.startswith("2"))
    if success != ["201"]:
        problems.append(f"documented success codes are {success}, the stand-in answers 201")
    schema = _resolve(spec, operation["responses"]["201"]["content"]["application/json"]["schema"])
    request_fields = set(
        operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"][
            "properties"
        ]
    )
    account, to = "AC" + "a1" * 16, "+50761234567"
    answers = [  # as lessonbot sends (a Messaging Service) and as Rasa's connector does (From)
        message_resource(
            account, {"To": to, "MessagingServiceSid": "MG" + "b2" * 16, "Body": "Hi"}
        ),
        message_resource(account, {"To": to, "From": "+15005550006", "Body": "Hi"}),
    ]
    for answer in answers:
        properties = schema["properties"]
        missing = sorted(set(properties) - set(answer))
        extra = sorted(set(answer) - set(properties))
        problems += [f"missing field {name}" for name in missing]
        problems += [f"undocumented field {name}" for name in extra]
        for name, value in answer.items():
            if name in properties:
                problems += _problems(spec, properties[name], value, name)
    return {
        "checked_against": Path(oai_path).name,
        "status": 201,
        "fields": len(schema["properties"]),
        "request_fields": sorted(request_fields),
        "problems": problems,
        "ok": not problems,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    args = parser.parse_args()
    stand_in = StandIn(args.delay_ms / 1000)
    web.run_app(stand_in.app(), host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
