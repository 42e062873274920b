"""The demo's service steps: live submissions for the worklist, web users, and serving the app."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from icrms.auth import service as auth
from icrms.auth.schemas import Role, TokenCreate, UserCreate
from icrms.cli.common import console, store, warehouse
from icrms.declarations.schemas import DeclarationCreate
from icrms.exchange.prearrival import MirrorFacts
from icrms.live import flows
from icrms.models.service import promoted_scorer
from icrms.selectivity.service import build_snapshot

LIVE_DAYS = 14
USERS = (
    ("admin", Role.admin, None, "Demo administrator"),
    ("analyst", Role.analyst, None, "Demo targeting analyst"),
    ("analyst2", Role.analyst, None, "Second analyst (approves)"),
    ("officer", Role.officer, None, "Control officer"),
    ("manager", Role.manager, None, "Manager"),
)


def step_live(ctx: Any) -> None:
    """Submit the last two weeks of declarations live, as the clearance system would."""
    with warehouse(ctx.settings) as wh:
        last = wh.sql("SELECT max(lodged_date) AS d FROM fact_item").column("d")[0].as_py()
        rows = wh.sql(
            f"SELECT * FROM fact_item WHERE lodged_date > DATE '{last - timedelta(days=LIVE_DAYS)}' "
            "ORDER BY lodged_at, declaration_id, item_no"
        ).to_pylist()
    grouped: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault((row["declaration_id"], row["version"]), []).append(row)
    source = store(ctx.settings)
    with source.session() as s:
        snapshot = build_snapshot(
            s,
            secret=ctx.settings.selectivity_secret(),
            scorer=promoted_scorer(ctx.settings),
            facts=MirrorFacts(),
        )
    channels: dict[str, int] = {}
    offices: dict[str, int] = {}
    with source.session() as s:
        for items in grouped.values():
            declaration = DeclarationCreate.from_item_rows(items)
            done = flows.submit(
                s, snapshot=snapshot, declaration=declaration, actor="token:demo-cdps"
            )
            channel = done.assessment.channel
            channels[channel] = channels.get(channel, 0) + 1
            if channel in ("red", "yellow"):
                offices[declaration.office_code] = offices.get(declaration.office_code, 0) + 1
    ctx.summary["live_submissions"] = {"declarations": len(grouped), "channels": channels}
    ctx.busiest_office = max(offices, key=offices.__getitem__) if offices else None


def step_users(ctx: Any) -> None:
    """Create the demo's web users (random passwords) and a token for the clearance system."""
    office = getattr(ctx, "busiest_office", None)
    users = []
    with store(ctx.settings).session() as s:
        for name, role, _office, full in USERS:
            password = secrets.token_urlsafe(9)
            auth.create_user(
                s,
                user=UserCreate(
                    username=name,
                    role=role,
                    full_name=full,
                    office_code=office if role == Role.officer else None,
                    password=password,
                ),
                actor="demo",
            )
            users.append(
                {
                    "username": name,
                    "role": role.value,
                    "password": password,
                    "office": office if role == Role.officer else None,
                }
            )
        token = auth.create_token(
            s, token=TokenCreate(name="demo-cdps", role=Role.system), actor="demo"
        ).token
    path = ctx.settings.home / "demo-users.txt"
    path.touch(mode=0o600)
    path.write_text(
        "".join(f"{u['username']} {u['role']} {u['password']}\n" for u in users)
        + f"system-token {token}\n",
        encoding="utf-8",
    )
    ctx.summary["users"] = users
    ctx.summary["system_token"] = token


def print_users(summary: dict[str, Any]) -> None:
    """The demo users and their passwords (demo mode only)."""
    console.print("demo users (demo mode only; also in the workspace's demo-users.txt):")
    for u in summary.get("users", []):
        office = f", office {u['office']}" if u.get("office") else ""
        console.print(
            f"  {u['username']:<10} {u['password']:<14} {u['role']}{office}", highlight=False
        )
    console.print(
        f"  API token of the clearance system: {summary.get('system_token')}", highlight=False
    )


def serve_demo(ctx: Any, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the web application on the demo workspace until interrupted."""
    import uvicorn

    from icrms.api.app import create_app

    console.print(f"[bold]web application: http://{host}:{port}[/bold]  (Ctrl-C stops it)")
    uvicorn.run(create_app(ctx.settings), host=host, port=port, log_level="warning")
