"""The staff pages' menu: each surface (statistics, broadcasts, …) adds its links.

A link names the roles that may follow it, so the menu shows each person only
what they can open, and the first such link is where the log-in lands.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

_KEY = "lessonbot.staff_links"


@dataclass(frozen=True)
class NavLink:
    label: str  # a lazy gettext string: translated when the page is rendered
    endpoint: str
    roles: tuple[str, ...]
    landing: bool = True  # False: a tool in the menu, never where a log-in lands


def register_link(
    app: Flask, label: str, endpoint: str, roles: tuple[str, ...], *, landing: bool = True
) -> None:
    app.extensions.setdefault(_KEY, []).append(NavLink(label, endpoint, roles, landing))


def links_for(role: str) -> list[NavLink]:
    return [link for link in current_app.extensions.get(_KEY, []) if role in link.roles]


def landing_endpoint(role: str) -> str | None:
    links = [link for link in links_for(role) if link.landing]
    return links[0].endpoint if links else None
