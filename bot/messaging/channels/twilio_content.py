"""Twilio's Content API over httpx: list the account's Content resources, create one.

Only ``lessonbot whatsapp sync`` (``bot.messaging.content_sync``) calls it,
never a learner's turn. The list is read whole, 1,000 resources a page,
following ``meta.next_page_url``; each next page is asked of the configured
``twilio.content_base_url`` (its path and query only), so that the account's
credentials never go to another host than the one configured. Twilio's error
JSON becomes a ``ContentApiError`` naming the HTTP status and Twilio's message.
The Content API holds lesson and menu wording only: no learner's data passes here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.settings import Settings, SettingsError

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(30.0, connect=5.0)
PAGE_SIZE = 1000  # the most Twilio allows
# Far more than any account holds (each page holds 1,000): a guard against a
# next page that never ends, not a limit anyone should meet.
MAX_PAGES = 100


class ContentApiError(Exception):
    """The Content API refused or failed a request; ``retryable``: trying later may work."""

    def __init__(self, what: str, message: str, status: int | None, retryable: bool) -> None:
        super().__init__(f"Twilio Content API, {what}: {message}")
        self.status = status
        self.retryable = retryable


@dataclass(frozen=True)
class ContentResource:
    """What the app reads of a Content resource."""

    sid: str
    friendly_name: str
    language: str


class TwilioContent:
    """The Content API of the configured Twilio account."""

    def __init__(self, settings: Settings, transport: httpx.BaseTransport | None = None) -> None:
        """``transport``: tests put a fake of the Content API there (the network edge)."""
        if settings.channel_name != "twilio":
            raise SettingsError("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set")
        self._base = settings.twilio.content_base_url.rstrip("/")
        self._client = httpx.Client(
            auth=httpx.BasicAuth(settings.twilio.account_sid, settings.twilio.auth_token),
            timeout=TIMEOUT,
            headers={"User-Agent": "lessonbot"},
            transport=transport,
        )

    def list_all(self) -> list[ContentResource]:
        """Every Content resource of the account, all pages."""
        resources: list[ContentResource] = []
        url = f"{self._base}/v1/Content"
        params: dict[str, str] | None = {"PageSize": str(PAGE_SIZE)}
        for page_number in range(1, MAX_PAGES + 1):
            page = self._call("GET", url, f"list page {page_number}", params=params)
            contents = page.get("contents")
            if not isinstance(contents, list):
                raise ContentApiError(
                    f"list page {page_number}", "the answer has no contents", None, False
                )
            resources.extend(_resource(item) for item in contents if isinstance(item, dict))
            log.info("twilio content list page %d: %d resources", page_number, len(contents))
            next_url = _next_page_url(page)
            if not next_url:
                return resources
            url, params = self._on_our_base(next_url), None  # the URL carries the query
        raise ContentApiError("list", f"more than {MAX_PAGES} pages", None, False)

    def create(
        self,
        friendly_name: str,
        language: str,
        variables: Mapping[str, str],
        types: Mapping[str, object],
    ) -> ContentResource:
        """Create a Content resource (Twilio's ContentCreateRequest) and return it."""
        body: dict[str, object] = {
            "friendly_name": friendly_name,
            "language": language,
            "types": dict(types),
        }
        if variables:  # a resource with variables needs a sample of each
            body["variables"] = dict(variables)
        what = f"create {friendly_name}"
        created = _resource(self._call("POST", f"{self._base}/v1/Content", what, json=body))
        if not created.sid:
            raise ContentApiError(what, "Twilio answered without a sid", None, False)
        log.info("twilio content %s: %s", what, created.sid)
        return created

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, url: str, what: str, **request: Any) -> dict[str, Any]:
        try:
            response = self._client.request(method, url, **request)
        except httpx.TransportError as error:  # timeouts included
            log.warning("twilio content %s: %s", what, type(error).__name__)
            raise ContentApiError(what, f"network: {type(error).__name__}", None, True) from error
        payload = _json(response)
        if response.is_success:
            return payload
        http = response.status_code
        message = str(payload.get("message") or response.reason_phrase or "no message")
        code = payload.get("code")
        text = f"HTTP {http}" + (f" (code {code})" if code else "") + f": {message[:250]}"
        retryable = http == 429 or http >= 500
        log.warning("twilio content %s: %s", what, text)
        raise ContentApiError(what, text, http, retryable)

    def _on_our_base(self, url: str) -> str:
        parts = urlsplit(url)
        return f"{self._base}{parts.path}" + (f"?{parts.query}" if parts.query else "")


def _next_page_url(page: dict[str, Any]) -> str | None:
    meta = page.get("meta")
    next_url = meta.get("next_page_url") if isinstance(meta, dict) else None
    return next_url if isinstance(next_url, str) and next_url else None


def _resource(item: dict[str, Any]) -> ContentResource:
    return ContentResource(
        sid=str(item.get("sid") or ""),
        friendly_name=str(item.get("friendly_name") or ""),
        language=str(item.get("language") or ""),
    )


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}
