"""File ingest: read, validate, load each batch atomically, quarantine bad rows, resume."""

from __future__ import annotations

import csv
import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa

from icrms.core.clock import now
from icrms.core.logging import get_logger
from icrms.core.outputs import open_output, safe_cell
from icrms.declarations.parsers import ADAPTERS
from icrms.errors import ValidationError
from icrms.ingest.heads import stored_heads
from icrms.ingest.readers import FileFormatError, RawBatch, iter_batches, read_columns
from icrms.ingest.validation import Validator
from icrms.settings import Settings
from icrms.warehouse.base import LoadBatch, SqlRows, Warehouse
from icrms.warehouse.schema import QUARANTINE

log = get_logger(__name__)


@dataclass
class IngestReport:
    """What an ingest did: ``rows_in == loaded + quarantined`` always holds.

    ``loaded`` counts valid rows now in the warehouse; ``new`` those this run added (a second
    run of the same file adds none); ``already_present`` the rest.
    """

    file: str
    format: str
    source_id: str
    rows_in: int = 0
    loaded: int = 0
    new: int = 0
    already_present: int = 0
    quarantined: int = 0
    batches: int = 0
    batches_resumed: int = 0
    seconds: float = 0.0
    rows_per_second: float = 0.0
    quarantine_file: str | None = None
    ignored_columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The report as plain data (for ``--json``)."""
        return asdict(self)


def source_id(path: Path, fmt: str) -> str:
    """Content hash of a file plus its format: the same bytes are the same source."""
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return f"{fmt}:{digest[:32]}"


def check_columns(path: Path, fmt: str) -> list[str]:
    """Refuse a file that lacks required columns; return the columns that will be ignored."""
    if fmt not in ADAPTERS:
        raise ValidationError("--format", fmt, f"is not one of {', '.join(ADAPTERS)}")
    adapter = ADAPTERS[fmt]
    columns = read_columns(path)
    missing = [c for c in adapter.required if c not in columns]
    if missing:
        raise FileFormatError(f"file {path}: missing required {fmt} columns: {', '.join(missing)}")
    used = set(adapter.sources.values()) if adapter.sources else set(adapter.fields)
    return [c for c in columns if c not in used]


def ingest_file(
    warehouse: Warehouse,
    path: Path,
    *,
    fmt: str,
    settings: Settings,
    progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Ingest one file into the warehouse; re-running it (even after a kill) loads each row once."""
    started = time.perf_counter()
    if not path.is_file():
        raise FileFormatError(f"file {path} does not exist")
    ignored = check_columns(path, fmt)
    adapter = ADAPTERS[fmt]
    report = IngestReport(str(path), fmt, source_id(path, fmt), ignored_columns=ignored)
    covered = _count_committed(report, warehouse.committed_batches(report.source_id))
    validator = Validator(
        adapter,
        getattr(settings.ingest, adapter.timezone_setting),
        fmt,
        warehouse.local_connection(),
    )
    position = 0  # rows of the file read so far (committed ones are counted, not loaded again)
    try:
        for raw in iter_batches(path, settings.ingest.batch_rows):
            start, position = position, position + raw.rows_in
            if position > covered:  # the batch size may differ from the interrupted run's
                _count(
                    report,
                    _load_batch(
                        warehouse,
                        validator,
                        raw.without_first(covered - start),
                        report,
                        report.batches,
                    ),
                )
            if progress:
                progress(raw.rows_in)
    finally:
        validator.close()
    report.already_present = report.loaded - report.new
    if report.quarantined:
        report.quarantine_file = str(
            write_quarantine_csv(warehouse, path, report.source_id, settings)
        )
    report.seconds = round(time.perf_counter() - started, 3)
    report.rows_per_second = round(report.rows_in / report.seconds, 1) if report.seconds else 0.0
    return report


def _count_committed(report: IngestReport, committed: dict[int, dict[str, int]]) -> int:
    """Count the batches an earlier run committed; return how many rows of the file they cover.

    Batches are committed in file order, so those of an interrupted run are numbered 0..k.
    """
    covered = 0
    while report.batches in committed:
        done = committed[report.batches]
        covered += int(done["rows_in"])
        report.batches_resumed += 1
        _count(report, done)
    return covered


def _count(report: IngestReport, done: dict[str, int]) -> None:
    report.rows_in += int(done["rows_in"])
    report.loaded += int(done["valid"])
    report.quarantined += int(done["quarantined"])
    report.batches += 1


def _load_batch(
    warehouse: Warehouse, validator: Validator, raw: RawBatch, report: IngestReport, batch_no: int
) -> dict[str, int]:
    validator.known_heads = stored_heads(warehouse, validator.keys(raw.rows))
    if validator.con is warehouse.local_connection():  # load straight from the checked rows
        valid, problems = validator.prepare(raw.rows)
        items: pa.Table | SqlRows = SqlRows(validator.items_sql)
        controls: pa.Table | SqlRows = SqlRows(validator.controls_sql)
        declarations: pa.Table | SqlRows = SqlRows(validator.declarations_sql)
    else:
        items, controls, declarations, problems = validator.validate(raw.rows)
        valid = items.num_rows
    records = problems.to_pylist() + [
        {"row": e.row, "field": "(row)", "value": e.text, "reason": e.reason, "raw": e.text}
        for e in raw.shape_errors
    ]
    for record in records:
        record.update(source_id=report.source_id, file=report.file, format=report.format)
    bad_rows = len({r["row"] for r in records})
    counts = {"rows_in": raw.rows_in, "valid": valid, "quarantined": bad_rows}
    result = warehouse.load(
        LoadBatch(
            items=items,
            controls=controls,
            declarations=declarations,
            quarantine=pa.Table.from_pylist(records, schema=QUARANTINE),
            ingest_batch={
                "source_id": report.source_id,
                "batch_no": batch_no,
                "file": report.file,
                "format": report.format,
                **counts,
                "committed_at": now(),
            },
        )
    )
    report.new += result.new_items
    log.info(
        "ingest.batch_committed",
        source=report.source_id,
        batch=batch_no,
        **counts,
        new=result.new_items,
    )
    return counts


def write_quarantine_csv(warehouse: Warehouse, path: Path, source: str, settings: Settings) -> Path:
    """Write the source's quarantined rows next to the input (or into the workspace if read-only)."""
    rows = warehouse.quarantined(source).select(["row", "field", "value", "reason", "raw"])
    name = path.name + ".quarantine.csv"
    try:
        return _write_csv(path.parent / name, rows)
    except OSError:  # the input folder is read-only: into the workspace
        folder = settings.ensure_home() / "quarantine"
        folder.mkdir(mode=0o700, exist_ok=True)
        return _write_csv(folder / name, rows)


def _write_csv(target: Path, rows: pa.Table) -> Path:
    """Rows as CSV, formula-like cells neutralised, replacing (never following) a link."""
    with open_output(target, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(rows.column_names)
        columns = [rows.column(c).to_pylist() for c in rows.column_names]
        writer.writerows([safe_cell(v) for v in row] for row in zip(*columns, strict=True))
    return target
