"""Control results from a file: CSV (``irregularity_types`` separated by ``;``) or JSON lines."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from icrms.controls.schemas import ControlResultCreate
from icrms.errors import ValidationError


class Rejected(BaseModel):
    """A row that was not stored, and why."""

    row: int
    field: str
    value: Any = None
    reason: str


class ImportReport(BaseModel):
    """rows in = stored + rejected."""

    rows_in: int
    stored: int
    rejected: list[Rejected] = Field(default_factory=list)


def read_results(
    data: bytes, name: str, *, limit: int | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """(line number, raw fields) of every row of a CSV or JSON-lines file."""
    if limit is not None and len(data) > limit:
        raise ValidationError("file", name, f"is larger than {limit} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(
            "file", name, f"is not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc
    if name.lower().endswith(".csv"):
        reader = csv.DictReader(io.StringIO(text, newline=""))
        return [(reader.line_num, _csv_row(r)) for r in reader]
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"line {number}", line[:80], f"is not JSON: {exc.msg}") from exc
        if not isinstance(value, dict):
            raise ValidationError(f"line {number}", line[:80], "is not a JSON object")
        rows.append((number, value))
    return rows


def _csv_row(row: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in row.items() if k and v not in ("", None)}
    if "irregularity_types" in data:
        data["irregularity_types"] = data["irregularity_types"].split(";")
    return data


def parse_result(data: dict[str, Any], where: str) -> ControlResultCreate:
    """A validated control result; the error names the row, field and value."""
    try:
        return ControlResultCreate.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "control result"
        raise ValidationError(f"{where}: {field}", first.get("input"), first["msg"]) from exc
