"""Read what a person sees: the tables and cards of a dashboard page, and CSV exports."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from typing import Any

from tests.dashboard.seed import NOW

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class _Tables(HTMLParser):
    """Collects {section id: rows of cell texts} and the cards' (label, value)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.cards: dict[str, str] = {}
        self.figures: list[str] = []  # every count and share cell
        self._figure = False
        self._section: str | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._card: dict[str, str] | None = None
        self._card_part: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "section":
            self._section = attributes.get("id")
            self.tables[self._section or ""] = []
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            self._figure = attributes.get("class") in ("count", "share")
        elif tag == "li" and attributes.get("class") == "card":
            self._card = {}
        elif tag == "span" and self._card is not None:
            self._card_part = attributes.get("class")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            if self._figure and tag == "td":
                self.figures.append(self._row[-1])
            self._cell = None
        elif tag == "tr" and self._row is not None and self._section:
            self.tables[self._section].append(self._row)
            self._row = None
        elif tag == "span":
            self._card_part = None
        elif tag == "li" and self._card is not None:
            self.cards[self._card.get("label", "")] = self._card.get("value", "")
            self._card = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._card is not None and self._card_part:
            self._card[self._card_part] = self._card.get(self._card_part, "") + data.strip()


def parse_page(html: str) -> tuple[dict[str, list[list[str]]], dict[str, str]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables, parser.cards


def page_figures(html: str) -> list[str]:
    """Every count and share on the page: the cards and the tables' figure columns."""
    parser = _Tables()
    parser.feed(html)
    return [*parser.cards.values(), *parser.figures]


def parse_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def log_in(client: Any, email: str, password: str, ip: str = "127.0.0.1") -> Any:
    page = client.get("/staff/login", environ_base={"REMOTE_ADDR": ip})
    token = _TOKEN.search(page.get_data(as_text=True))
    assert token, "the log-in form has a CSRF token"
    form = {"email": email, "password": password, "csrf_token": token.group(1)}
    return client.post("/staff/login", data=form, environ_base={"REMOTE_ADDR": ip})


def fixed_clock() -> Any:
    return NOW
