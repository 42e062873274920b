"""``icrms warehouse``: ETL from the operational store and a look at the star schema."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer

from icrms.cli.common import (
    JSON_OPTION,
    console,
    emit,
    handle_errors,
    print_lines,
    settings,
    store,
    warehouse,
)
from icrms.kpis.etl import run_etl
from icrms.kpis.publish import publish as publish_snapshots
from icrms.warehouse.schema import TABLES

app = typer.Typer(
    help="The warehouse (star schema) and the ETL that feeds it.", no_args_is_help=True
)


@app.command("etl")
@handle_errors
def etl(as_json: bool = JSON_OPTION) -> None:
    """Load what the operational store holds beyond the last ETL run (incremental, idempotent)."""
    current = settings()
    source = store(current)
    with warehouse(current) as wh:
        report = asdict(run_etl(source, wh))
    source.dispose()
    emit(report, as_json, lambda: console.print(report, highlight=False))


@app.command("stats")
@handle_errors
def stats(as_json: bool = JSON_OPTION) -> None:
    """Row counts of every warehouse table."""
    with warehouse() as wh:
        counts = {name: wh.count(name) for name in TABLES}
    emit(counts, as_json, lambda: print_lines(f"{k:<24} {v:>12,}" for k, v in counts.items()))


@app.command("publish")
@handle_errors
def publish(
    out: Path = typer.Option(
        None, "--out", help="Folder of the snapshots (default: workspace/bi)."
    ),
    postgres: str = typer.Option(
        None, "--postgres", help="Also publish plain SQL views to this PostgreSQL URL."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Publish read-only KPI snapshots for BI tools (Parquet, a DuckDB file, PostgreSQL views)."""
    current = settings()
    with warehouse(current) as wh:
        done = publish_snapshots(wh, out or current.home / "bi", postgres_url=postgres)
    report = asdict(done)
    emit(report, as_json, lambda: console.print(report, highlight=False))
