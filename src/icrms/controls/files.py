"""Control results from a file: CSV (``irregularity_types`` separated by ``;``) or JSON lines.

A row that cannot be read (bad JSON, too deep, not an object) is reported with its row number
and the rest are stored; a file that is not UTF-8 or not readable CSV is one clear error.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from pydantic import BaseModel, Field
from pydantic import ValidationError as PydanticValidationError

from icrms.controls.schemas import ControlResultCreate
from icrms.errors import ValidationError, cut

Row = dict[str, Any] | str  # the fields, or why the row could not be read


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


def read_results(data: bytes, name: str, *, limit: int | None = None) -> list[tuple[int, Row]]:
    """(line number, raw fields or the reason it is unreadable) of every row of a file."""
    if limit is not None and len(data) > limit:
        raise ValidationError("file", name, f"is larger than {limit} bytes")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError("file", name, f"is not UTF-8 text ({exc.reason})") from exc
    if name.lower().endswith(".csv"):
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            return [(reader.line_num, _csv_row(r)) for r in reader]
        except csv.Error as exc:
            raise ValidationError("file", name, f"line {reader.line_num}: {exc}") from exc
    return [(n, _json_row(line)) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _json_row(line: str) -> Row:
    try:
        data = json.loads(line)
    except (ValueError, RecursionError) as exc:
        return f"invalid JSON: {cut(str(exc), 200) if isinstance(exc, ValueError) else 'too deep'}"
    return data if isinstance(data, dict) else "not a JSON object"


def _csv_row(row: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in row.items() if k and v not in ("", None)}
    if "irregularity_types" in data:
        data["irregularity_types"] = data["irregularity_types"].split(";")
    return data


def parse_result(data: Row, where: str) -> ControlResultCreate:
    """A validated control result; the error names the row, field and value."""
    if isinstance(data, str):
        raise ValidationError(where, None, data)
    try:
        return ControlResultCreate.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "control result"
        raise ValidationError(f"{where}: {field}", first.get("input"), first["msg"]) from exc


def rejection(number: int, exc: ValidationError) -> Rejected:
    """The report line of a refused row (long values cut)."""
    value = cut(exc.value, 80) if isinstance(exc.value, str) else exc.value
    return Rejected(row=number, field=exc.field, value=value, reason=exc.reason)
