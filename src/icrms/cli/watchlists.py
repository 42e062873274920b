"""``icrms watchlists``: lists of traders, containers, conveyances, HS codes or countries."""

from __future__ import annotations

from datetime import datetime

import typer

from icrms.cli.common import JSON_OPTION, console, emit, handle_errors, print_lines, store
from icrms.profiles import watchlists as service
from icrms.profiles.schemas import EntryCreate, WatchlistCreate

app = typer.Typer(
    help="Watchlists and their entries (with reasons and expiry).", no_args_is_help=True
)


@app.command("create")
@handle_errors
def create(
    name: str,
    kind: str = typer.Option(..., "--kind", help="trader | container | conveyance | hs | country"),
    purpose: str = typer.Option(..., "--purpose"),
    category: str = typer.Option("security", "--category"),
    score: int = typer.Option(50, "--score"),
    min_channel: str = typer.Option("red", "--min-channel"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a watchlist."""
    spec = WatchlistCreate.model_validate(
        {
            "name": name,
            "kind": kind,
            "purpose": purpose,
            "category": category,
            "score": score,
            "min_channel": min_channel,
        }
    )
    with store().session() as s:
        created = service.create_watchlist(s, watchlist=spec)
    emit(
        created.model_dump(mode="json"),
        as_json,
        lambda: console.print(f"created watchlist {created.name}"),
    )


@app.command("list")
@handle_errors
def list_(as_json: bool = JSON_OPTION) -> None:
    """Every watchlist with its number of entries in force."""
    with store().session() as s:
        lists = service.snapshot(s)
    data = [
        {**w.watchlist.model_dump(mode="json"), "entries": len(w.values)} for w in lists.values()
    ]
    emit(
        data,
        as_json,
        lambda: print_lines(
            f"{d['name']:<28} {d['kind']:<10} {d['min_channel']:<6} {d['entries']:>6} entries"
            for d in data
        ),
    )


@app.command("show")
@handle_errors
def show(name: str, as_json: bool = JSON_OPTION) -> None:
    """Entries in force on a watchlist."""
    with store().session() as s:
        found = service.entries(s, list_name=name)
    data = [e.model_dump(mode="json") for e in found]
    emit(
        data,
        as_json,
        lambda: print_lines(
            f"{d['value']:<24} {d['reason']} (expires {d['expires_at'] or 'never'})" for d in data
        ),
    )


@app.command("add")
@handle_errors
def add(
    name: str,
    value: str,
    reason: str = typer.Option(..., "--reason"),
    expires: datetime | None = typer.Option(None, "--expires", help="ISO date/time with offset"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Put a value on a watchlist."""
    with store().session() as s:
        entry = service.add_entry(
            s, list_name=name, entry=EntryCreate(value=value, reason=reason, expires_at=expires)
        )
    emit(entry.model_dump(mode="json"), as_json, lambda: console.print(f"{value} added to {name}"))


@app.command("remove")
@handle_errors
def remove(name: str, value: str, as_json: bool = JSON_OPTION) -> None:
    """Take a value off a watchlist (its history is kept)."""
    with store().session() as s:
        entry = service.remove_entry(s, list_name=name, value=value)
    emit(
        entry.model_dump(mode="json"),
        as_json,
        lambda: console.print(f"{value} removed from {name}"),
    )
