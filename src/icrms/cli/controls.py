"""``icrms controls``: record what controls found (one at a time or from a file)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError as PydanticValidationError

from icrms.cli.common import JSON_OPTION, console, emit, handle_errors, store
from icrms.controls.schemas import ControlResultCreate
from icrms.controls.service import record_control_result
from icrms.errors import ValidationError, cut

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
    result = _parse(
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
    rows = _read(file)
    stored, rejected = 0, []
    with store().session() as s:
        for number, raw in rows:
            try:
                if isinstance(raw, str):
                    raise ValidationError(f"row {number}", None, raw)
                record_control_result(s, result=_parse(raw, f"row {number}"))
                stored += 1
            except ValidationError as exc:
                value = cut(exc.value, 80) if isinstance(exc.value, str) else exc.value
                rejected.append(
                    {"row": number, "field": exc.field, "value": value, "reason": exc.reason}
                )
    data = {"rows_in": len(rows), "stored": stored, "rejected": rejected}
    emit(
        data,
        as_json,
        lambda: console.print(
            f"{stored} of {len(rows)} control results stored; "
            f"rejected: {json.dumps(rejected, default=str)}"
        ),
    )


def _read(path: Path) -> list[tuple[int, dict[str, Any] | str]]:
    """Rows of a CSV or JSON lines file; a row that cannot be read is the reason why."""
    if not path.is_file():
        raise ValidationError("file", str(path), "does not exist")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError("file", str(path), f"is not UTF-8 text ({exc.reason})") from exc
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            return [(reader.line_num, _csv_row(r)) for r in reader]
        except csv.Error as exc:
            raise ValidationError("file", str(path), f"line {reader.line_num}: {exc}") from exc
    return [(n, _json_row(line)) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _json_row(line: str) -> dict[str, Any] | str:
    try:
        data = json.loads(line)
    except (ValueError, RecursionError) as exc:
        return f"invalid JSON: {cut(str(exc), 200) if isinstance(exc, ValueError) else 'too deep'}"
    return data if isinstance(data, dict) else "not a JSON object"


def _csv_row(row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in row.items() if v not in ("", None)}
    if "irregularity_types" in data:
        data["irregularity_types"] = data["irregularity_types"].split(";")
    return data


def _parse(data: dict[str, Any], where: str) -> ControlResultCreate:
    try:
        return ControlResultCreate.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "control result"
        raise ValidationError(f"{where}: {field}", first.get("input"), first["msg"]) from exc
