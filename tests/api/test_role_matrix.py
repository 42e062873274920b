"""Every route × every role against the permission matrix in docs/security.md.

The matrix is read from the document; the test fails when a route is missing from it, when the
document names a route that does not exist, when the code allows other roles than the document,
and — walking every route with a token of each role — when a request is let through or refused
against the matrix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from icrms.api.app import API_PREFIX
from icrms.api.deps import roles_of
from icrms.api.routes import PUBLIC_ROUTERS, ROUTERS, taxii
from icrms.auth.schemas import ROLES, Role
from icrms.web.routes import PAGES
from tests.api.conftest import Headers

DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
PUBLIC = "public"
ANY = "any"


def routes() -> Iterator[tuple[str, str, frozenset[Role] | str]]:
    """(method, path, allowed roles | 'public' | 'any') of every route the app serves."""
    for prefix, routers, public in (
        ("", PUBLIC_ROUTERS, True),
        (API_PREFIX, ROUTERS, False),
        ("", PAGES, False),
        (taxii.PREFIX, [taxii.router], False),
    ):
        for router in routers:
            for route in router.routes:
                if not isinstance(route, APIRoute):
                    continue
                allowed: frozenset[Role] | str | None = None
                for dep in route.dependencies:  # every check applies: the allowed roles intersect
                    found = roles_of(dep.dependency)  # type: ignore[arg-type]
                    if found is not None:
                        allowed = found if allowed is None else allowed & found  # type: ignore[operator]
                if allowed is None:
                    allowed = PUBLIC if public or route.path in ("/login",) else ANY
                for method in sorted(route.methods - {"HEAD"}):
                    yield method, prefix + route.path, allowed


def matrix() -> dict[tuple[str, str], frozenset[Role] | str]:
    """The matrix as docs/security.md states it."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("### Permission matrix", 1)[1].split("\n### ", 1)[0]
    out: dict[tuple[str, str], frozenset[Role] | str] = {}
    for line in section.splitlines():
        m = re.match(r"\|\s*`(GET|POST|PATCH|PUT|DELETE) ([^`]+)`\s*\|(.*)\|\s*$", line)
        if not m:
            continue
        cells = [c.strip() for c in m.group(3).split("|")]
        if cells[0] in (PUBLIC, ANY):
            out[(m.group(1), m.group(2))] = cells[0]
        else:
            out[(m.group(1), m.group(2))] = frozenset(
                r for r, c in zip(ROLES, cells, strict=True) if c == "✓"
            )
    return out


def test_the_matrix_names_every_route_and_matches_the_code() -> None:
    code = {(m, p): a for m, p, a in routes()}
    doc = matrix()
    missing = sorted(set(code) - set(doc))
    stale = sorted(set(doc) - set(code))
    differ = sorted(k for k in set(code) & set(doc) if code[k] != doc[k])
    assert (missing, stale, differ) == ([], [], []), "\n" + "\n".join(render_rows(code))


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_route_for_every_role(
    client: TestClient, token_for: Callable[..., Headers], app: FastAPI
) -> None:
    headers = {role: token_for(role, name=f"matrix-{role.value}", office="0042") for role in ROLES}
    wrong: list[str] = []
    for method, path, allowed in routes():
        url = _fill(path)
        kwargs: dict[str, object] = {"json": {}} if method in ("POST", "PATCH", "PUT") else {}
        if path == "/logout":
            continue  # ends the session the walk logs in with
        anonymous = client.request(method, url, follow_redirects=False, **kwargs)  # type: ignore[arg-type]
        if allowed == PUBLIC:
            if anonymous.status_code in (401, 403):
                wrong.append(f"{method} {path}: public but anonymous got {anonymous.status_code}")
            continue
        if anonymous.status_code not in (401, 303):
            wrong.append(f"{method} {path}: anonymous got {anonymous.status_code}")
        for role in ROLES:
            response = client.request(
                method, url, headers=headers[role], follow_redirects=False, **kwargs
            )  # type: ignore[arg-type]
            # `any` is any role but partner: a partner token reaches the exchange endpoints only
            ok = role in allowed if allowed != ANY else role is not Role.partner  # type: ignore[operator]
            if ok and response.status_code in (401, 403):
                wrong.append(f"{method} {path}: {role.value} refused ({response.status_code})")
            if not ok and response.status_code != 403:
                wrong.append(f"{method} {path}: {role.value} got {response.status_code}, not 403")
    assert wrong == []


def render_rows(code: dict[tuple[str, str], frozenset[Role] | str]) -> list[str]:
    """The matrix rows for docs/security.md (printed when the test fails)."""
    rows = []
    for (method, path), allowed in sorted(code.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        if isinstance(allowed, str):
            cells = [allowed] + [""] * (len(ROLES) - 1)
        else:
            cells = ["✓" if r in allowed else "" for r in ROLES]
        rows.append(f"| `{method} {path}` | " + " | ".join(cells) + " |")
    return rows
