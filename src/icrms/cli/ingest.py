"""``icrms ingest``: load declaration files into the warehouse."""

from __future__ import annotations

from pathlib import Path

import typer

from icrms.cli.common import (
    JSON_OPTION,
    console,
    emit,
    handle_errors,
    progress_bar,
    settings,
    warehouse,
)
from icrms.ingest.flows import IngestReport, ingest_file
from icrms.ingest.readers import estimate_rows


@handle_errors
def ingest(
    files: list[Path] = typer.Argument(..., help="CSV, JSON lines or Parquet files."),
    fmt: str = typer.Option("native", "--format", help="native | kcs | date"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Validate and load declaration files; bad rows go to quarantine with their reasons."""
    current = settings()
    reports: list[IngestReport] = []
    with warehouse(current) as wh:
        for path in files:
            with progress_bar(
                f"ingest {path.name}", estimate_rows(path) if path.is_file() else None, not as_json
            ) as tick:
                reports.append(ingest_file(wh, path, fmt=fmt, settings=current, progress=tick))

    def human() -> None:
        for r in reports:
            console.print(
                f"{r.file}: rows in {r.rows_in:,} = loaded {r.loaded:,} + quarantined {r.quarantined:,}"
                f"  (new {r.new:,}, already present {r.already_present:,}; {r.rows_per_second:,.0f} rows/s)",
                highlight=False,
            )
            if r.quarantine_file:
                console.print(
                    f"  quarantined rows and reasons: {r.quarantine_file}", highlight=False
                )
            if r.ignored_columns:
                console.print(f"  ignored columns: {', '.join(r.ignored_columns)}", highlight=False)

    data = [r.as_dict() for r in reports]
    emit(data[0] if len(data) == 1 else data, as_json, human)
