"""``icrms audit``: read and verify the hash-chained audit trail."""

from __future__ import annotations

import typer

from icrms.audit import service
from icrms.cli.common import JSON_OPTION, console, emit, handle_errors, print_lines, store

app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


@app.command("verify")
@handle_errors
def verify(as_json: bool = JSON_OPTION) -> None:
    """Recompute the hash chain; exit 1 when an entry was edited, deleted or inserted."""
    with store().session() as s:
        report = service.verify(s)

    def human() -> None:
        if report.ok:
            console.print(
                f"audit trail intact: {report.entries} entries, head {report.head_seq} {report.head_hash}",
                highlight=False,
            )
        else:
            console.print(f"[red]audit trail BROKEN[/red] ({report.entries} entries):")
            for problem in report.problems:
                console.print(f"  {problem}", highlight=False, markup=False)

    emit(report.model_dump(mode="json"), as_json, human)
    if not report.ok:
        raise typer.Exit(1)


@app.command("list")
@handle_errors
def list_(
    limit: int = typer.Option(50, "--limit", min=1, max=10_000),
    actor: str | None = typer.Option(None, "--actor"),
    action: str | None = typer.Option(None, "--action", help="Prefix, e.g. 'profile.'"),
    as_json: bool = JSON_OPTION,
) -> None:
    """The newest entries."""
    with store().session() as s:
        rows = service.list_entries(s, limit=limit, actor=actor, action=action)
    emit(
        [r.model_dump(mode="json") for r in rows],
        as_json,
        lambda: print_lines(
            f"{r.seq:>7} {r.at:%Y-%m-%d %H:%M:%S} {r.actor:<18} {r.action:<22} {r.object}"
            for r in rows
        ),
    )
