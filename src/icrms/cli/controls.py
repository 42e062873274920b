"""``icrms controls``: record what controls found (one at a time or from a file)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import typer

from icrms.cli.common import JSON_OPTION, console, emit, handle_errors, store
from icrms.controls.files import parse_result, read_results, rejection
from icrms.controls.service import record_control_result
from icrms.errors import ValidationError

app = typer.Typer(
    help="Control results: outcome, irregularities, revenue, seizures.", no_args_is_help=True
)


@app.command("record")
@handle_errors
def record(
    declaration_id: str = typer.Option(..., "--declaration"),
    version: int = typer.Option(1, "--version"),
    outcome: str = typer.Option(..., "--outcome", help="no_finding | irregularity | seizure"),
    selection: str = typer.Option(
        "unknown", "--selection", help="random | targeted | manual | unknown (from the assessment)"
    ),
    types: str = typer.Option("", "--types", help="';'-separated irregularity types"),
    extra_revenue: float = typer.Option(0.0, "--extra-revenue"),
    seizure_goods: str | None = typer.Option(None, "--seizure-goods"),
    concealment: str | None = typer.Option(None, "--concealment"),
    modus_operandi: str | None = typer.Option(None, "--modus-operandi"),
    officer: str | None = typer.Option(None, "--officer"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Record one control result (linked to the declaration's newest assessment)."""
    result = parse_result(
        {
            "declaration_id": declaration_id,
            "version": version,
            "outcome": outcome,
            "selection": selection,
            "irregularity_types": [t for t in types.split(";") if t],
            "extra_revenue": extra_revenue,
            "seizure_goods": seizure_goods,
            "concealment": concealment,
            "modus_operandi": modus_operandi,
            "officer_id": officer,
            "controlled_at": datetime.now(UTC),
        },
        "command line",
    )
    with store().session() as s:
        stored = record_control_result(s, result=result)
    emit(
        stored.model_dump(mode="json"),
        as_json,
        lambda: console.print(
            f"control result {stored.seq} recorded ({stored.selection}, assessment {stored.assessment_id})"
        ),
    )


@app.command("import")
@handle_errors
def import_(file: Path, as_json: bool = JSON_OPTION) -> None:
    """Record control results from CSV or JSON lines; bad rows are reported and the rest stored."""
    if not file.is_file():
        raise ValidationError("file", str(file), "does not exist")
    rows = read_results(file.read_bytes(), file.name)
    stored, rejected = 0, []
    with store().session() as s:
        for number, raw in rows:
            try:
                record_control_result(s, result=parse_result(raw, f"row {number}"))
                stored += 1
            except ValidationError as exc:
                rejected.append(rejection(number, exc).model_dump())
    data = {"rows_in": len(rows), "stored": stored, "rejected": rejected}
    emit(
        data,
        as_json,
        lambda: console.print(
            f"{stored} of {len(rows)} control results stored; "
            f"rejected: {json.dumps(rejected, default=str)}"
        ),
    )
