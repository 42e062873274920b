"""``icrms warehouse``: ETL from the operational store and a look at the star schema."""

from __future__ import annotations

from dataclasses import asdict

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
