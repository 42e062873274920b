"""The navigation bar as data: each entry names the roles that see it.

Dashboards and exchange pages add their entries here (admin sees everything).
"""

from __future__ import annotations

from dataclasses import dataclass

from icrms.auth.schemas import Principal, Role

A, N, MG, M = Role.analyst, Role.officer, Role.manager, Role.admin


@dataclass(frozen=True)
class NavItem:
    """One link of the navigation bar."""

    label: str
    path: str
    roles: frozenset[Role]


NAV: list[NavItem] = [
    NavItem("Declarations", "/declarations", frozenset({A, N, MG})),
    NavItem("Worklist", "/worklist", frozenset({N})),
    NavItem("Profiles", "/profiles", frozenset({A, MG})),
    NavItem("Approvals", "/profiles/approvals", frozenset({A})),
    NavItem("Watchlists", "/watchlists", frozenset({A, MG})),
    NavItem("Policy", "/policy", frozenset({A, MG})),
    NavItem("Models", "/models", frozenset({A, MG})),
    NavItem("Dashboards", "/dashboards", frozenset({A, MG})),
    NavItem("Exchange", "/exchange", frozenset({A})),
    NavItem("Jobs", "/jobs", frozenset({A})),
    NavItem("Audit", "/audit", frozenset({M})),
]


def visible(principal: Principal | None, registered: set[str]) -> list[NavItem]:
    """The entries the caller may open, among the pages the app actually serves."""
    if principal is None:
        return []
    return [
        item
        for item in NAV
        if item.path in registered and (principal.role in item.roles or principal.role == M)
    ]
