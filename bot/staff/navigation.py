"""The staff pages' menu: each surface (statistics, broadcasts, …) adds its links.

A link names the roles that may follow it, so the menu shows each person only
what they can open, and the first such link is where the log-in lands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask

from bot.services import services


@dataclass(frozen=True)
class NavLink:
    label: str  # a lazy gettext string: translated when the page is rendered
    endpoint: str
    roles: tuple[str, ...]
    landing: bool = True  # False: a tool in the menu, never where a log-in lands
    # A number shown beside the link (the inbox's waiting conversations); 0 shows none.
    # Called only when the link is shown, so other roles' pages never pay for it.
    badge: Callable[[], int] | None = None
    # What the badge's number means, for its title (default: the inbox's waiting conversations).
    badge_title: Callable[[int], str] | None = None


class Menu(list[NavLink]):
    """The app's links, in the order the surfaces registered them."""


def register_link(
    app: Flask,
    label: str,
    endpoint: str,
    roles: tuple[str, ...],
    *,
    landing: bool = True,
    badge: Callable[[], int] | None = None,
    badge_title: Callable[[int], str] | None = None,
) -> None:
    link = NavLink(label, endpoint, roles, landing, badge, badge_title)
    services(app).part(Menu, Menu).append(link)


def links_for(role: str) -> list[NavLink]:
    return [link for link in services().part(Menu, Menu) if role in link.roles]


def landing_endpoint(role: str) -> str | None:
    links = [link for link in links_for(role) if link.landing]
    return links[0].endpoint if links else None
