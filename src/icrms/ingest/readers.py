"""Read CSV, JSON lines and Parquet files as batches of raw rows, each with its row number.

Row numbers are what a person finds in the file: the line number for CSV and JSON lines (the
header is line 1 of a CSV), the 1-based row index for Parquet. CSV is read with Arrow's
streaming reader; when a row has the wrong number of columns, or bytes that are not UTF-8, Arrow
cannot say where it was, so the rest of the file is read again from that point with Python's csv
module, which can. A row that cannot be read becomes a ``ShapeError`` (quarantined with its
reason); a file that cannot be read at all is one ``FileFormatError`` naming the file.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson
import pyarrow.parquet as pq

from icrms.declarations.fields import CLEARANCE_FIELDS, CONTROL_FIELDS, NATIVE_FIELDS
from icrms.errors import IcrmsError, cut

ROW = "_row"
MAX_FIELD_BYTES = 16 << 20  # one CSV field; beyond this the file is refused (an unclosed quote?)
csv.field_size_limit(max(csv.field_size_limit(), MAX_FIELD_BYTES))
# Native fields that are text (or timestamps written as text) even where a first line holds null.
TEXT_FIELDS = frozenset(
    f.name
    for f in NATIVE_FIELDS + CONTROL_FIELDS + CLEARANCE_FIELDS
    if pa.types.is_string(f.type) or pa.types.is_timestamp(f.type)
)


class FileFormatError(IcrmsError):
    """The file as a whole cannot be read (unknown type, missing columns, bad header)."""

    status_code = 422


@dataclass
class ShapeError:
    """A row that could not be split into the file's columns."""

    row: int
    text: str
    reason: str


@dataclass
class RawBatch:
    """Raw rows (all columns as read, plus ``_row``) and the rows that could not be read."""

    rows: pa.Table
    shape_errors: list[ShapeError] = field(default_factory=list)

    @property
    def rows_in(self) -> int:
        """Rows of the file this batch accounts for."""
        return self.rows.num_rows + len(self.shape_errors)

    def without_first(self, count: int) -> RawBatch:
        """The batch less its first ``count`` rows of the file (read or not)."""
        if count <= 0:
            return self
        lines = sorted(self.rows.column(ROW).to_pylist() + [e.row for e in self.shape_errors])
        last = lines[count - 1]
        rows = self.rows.filter(pc.greater(self.rows.column(ROW), last))
        return RawBatch(rows, [e for e in self.shape_errors if e.row > last])


Progress = Callable[[int], None]


def file_kind(path: Path) -> str:
    """'csv', 'jsonl' or 'parquet' from the file name."""
    name = path.name.lower()
    for suffix, kind in (
        (".csv", "csv"),
        (".jsonl", "jsonl"),
        (".ndjson", "jsonl"),
        (".parquet", "parquet"),
    ):
        if name.endswith(suffix):
            return kind
    raise FileFormatError(f"file {path}: unknown type; expected .csv, .jsonl or .parquet")


def read_columns(path: Path) -> list[str]:
    """Column names of a file (CSV header, Parquet schema, first JSON object's keys).

    Raises:
        FileFormatError: no header, a header that is not UTF-8, a name given twice, a column
            named ``_row`` (icrms's row number), or a Parquet file that cannot be read.
    """
    kind = file_kind(path)
    if kind == "parquet":
        columns = list(_parquet_file(path).schema_arrow.names)
    else:
        with path.open("rb") as handle:
            head = handle.readline(MAX_FIELD_BYTES)
        try:
            first = head.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise FileFormatError(f"file {path}: line 1 is not UTF-8 text ({exc.reason})") from exc
        if not first.strip():
            raise FileFormatError(f"file {path}: empty, no header")
        columns = next(csv.reader([first])) if kind == "csv" else _json_keys(path, first)
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise FileFormatError(f"file {path}: column names repeated: {', '.join(repeated)}")
    if ROW in columns:
        raise FileFormatError(f"file {path}: column name {ROW} is reserved for row numbers")
    return columns


def _json_keys(path: Path, first: str) -> list[str]:
    try:
        obj = json.loads(first)
    except (ValueError, RecursionError) as exc:
        raise FileFormatError(
            f"file {path}: line 1 is not a JSON object ({cut(str(exc))})"
        ) from exc
    if not isinstance(obj, dict):
        raise FileFormatError(f"file {path}: line 1 is not a JSON object")
    return list(obj)


def _parquet_file(path: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise FileFormatError(
            f"file {path}: not a readable Parquet file ({cut(str(exc))})"
        ) from exc


def estimate_rows(path: Path) -> int:
    """Rows in a file: exact for Parquet, estimated from the first MiB for text files."""
    if file_kind(path) == "parquet":
        return int(_parquet_file(path).metadata.num_rows)
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    lines = max(head.count(b"\n"), 1)
    return max(int(path.stat().st_size * lines / max(len(head), 1)) - 1, 1)


def iter_batches(path: Path, batch_rows: int) -> Iterator[RawBatch]:
    """Batches of about ``batch_rows`` raw rows, in file order."""
    kind = file_kind(path)
    if kind == "parquet":
        yield from _parquet(path, batch_rows)
    elif kind == "jsonl":
        yield from _jsonl(path, batch_rows)
    else:
        yield from _csv(path, batch_rows)


def _with_rows(table: pa.Table, first_row: int) -> pa.Table:
    numbers = pa.array(range(first_row, first_row + table.num_rows), pa.int64())
    return table.append_column(ROW, numbers)


def _parquet(path: Path, batch_rows: int) -> Iterator[RawBatch]:
    source = _parquet_file(path)
    seen = 0
    batches = source.iter_batches(batch_size=batch_rows)
    while True:
        try:
            record_batch = next(batches)
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as exc:
            raise FileFormatError(
                f"file {path}: Parquet data after row {seen} cannot be read ({cut(str(exc))})"
            ) from exc
        try:  # text that is not UTF-8 (a damaged file) would break the validation SQL
            record_batch.validate(full=True)
        except pa.ArrowInvalid as exc:
            raise FileFormatError(
                f"file {path}: Parquet data after row {seen} is not valid ({cut(str(exc))})"
            ) from exc
        table = _with_rows(pa.Table.from_batches([record_batch]), seen + 1)
        seen += record_batch.num_rows
        yield RawBatch(table)


def _jsonl(path: Path, batch_rows: int) -> Iterator[RawBatch]:
    """Arrow's JSON reader while every line is one well-typed object; else line by line."""
    done = 0  # lines yielded so far (the fast path only runs on files without blank lines)
    if not _has_blank_lines(path):
        try:
            for batch in _jsonl_arrow(path, batch_rows, done):
                done += batch.rows.num_rows
                yield batch
            return
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass  # a malformed line or a type that changes: read the rest exactly
    yield from _jsonl_exact(path, batch_rows, skip=done)


def _has_blank_lines(path: Path) -> bool:
    with path.open("rb") as handle:
        previous = b"\n"
        while chunk := handle.read(16 << 20):
            text = previous + chunk
            if b"\n\n" in text or b"\n\r\n" in text or b"\n \n" in text:
                return True
            previous = chunk[-2:]
    return False


def _jsonl_arrow(path: Path, batch_rows: int, done: int) -> Iterator[RawBatch]:
    with path.open("rb") as handle:
        first = json.loads(handle.readline())  # read_columns has checked it
    # text stays text: Arrow would otherwise turn ISO timestamps into naive ones, losing offsets
    text = pa.schema(
        [
            pa.field(k, pa.string())
            for k, v in first.items()
            if isinstance(v, str) or k in TEXT_FIELDS
        ]
    )
    reader = pajson.open_json(
        path,
        read_options=pajson.ReadOptions(block_size=8 << 20),
        parse_options=pajson.ParseOptions(explicit_schema=text),
    )
    pending: list[pa.RecordBatch] = []
    count = 0
    for record_batch in reader:
        _keys_are_text(record_batch.schema)
        pending.append(record_batch)
        count += record_batch.num_rows
        if count >= batch_rows:
            yield RawBatch(_with_rows(pa.Table.from_batches(pending), done + 1))
            done, pending, count = done + count, [], 0
    if pending:
        yield RawBatch(_with_rows(pa.Table.from_batches(pending), done + 1))


def _keys_are_text(schema: pa.Schema) -> None:
    """A later line's key in bytes that are not UTF-8: the exact reader quarantines that line."""
    try:
        schema.names  # noqa: B018 (decoding the names is the check)
    except UnicodeDecodeError as exc:
        raise pa.ArrowInvalid("a key is not UTF-8 text") from exc


def _jsonl_exact(path: Path, batch_rows: int, *, skip: int = 0) -> Iterator[RawBatch]:
    columns = read_columns(path)
    records: list[dict[str, str | None]] = []
    numbers: list[int] = []
    errors: list[ShapeError] = []
    with path.open("rb") as handle:
        for line_no, line in enumerate(handle, start=1):
            if line_no <= skip or not line.strip():
                continue
            try:
                records.append(_json_record(line, columns))
                numbers.append(line_no)
            except (ValueError, RecursionError) as exc:
                reason = f"invalid JSON: {exc}" if isinstance(exc, ValueError) else _TOO_DEEP
                errors.append(ShapeError(line_no, line.decode("utf-8", "replace").strip(), reason))
            if len(records) + len(errors) >= batch_rows:
                yield _json_batch(records, numbers, columns, errors)
                records, numbers, errors = [], [], []
    if records or errors:
        yield _json_batch(records, numbers, columns, errors)


_TOO_DEEP = "invalid JSON: nested too deeply to read"


def _json_record(line: bytes, columns: list[str]) -> dict[str, str | None]:
    """One JSON line as text values; nested objects and lists are refused."""
    obj = json.loads(line)
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    nested = [c for c in columns if isinstance(obj.get(c), dict | list)]
    if nested:
        raise ValueError(f"{', '.join(nested)} holds an object or list, not a value")
    return {c: None if obj.get(c) is None else str(obj[c]) for c in columns}


def _json_batch(records, numbers, columns, errors) -> RawBatch:  # type: ignore[no-untyped-def]
    schema = pa.schema([pa.field(c, pa.string()) for c in columns])
    table = pa.Table.from_pylist(records, schema=schema).append_column(
        ROW, pa.array(numbers, pa.int64())
    )
    return RawBatch(table, list(errors))


def _csv(path: Path, batch_rows: int) -> Iterator[RawBatch]:
    columns = read_columns(path)
    bad_rows: list[str] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad_rows.append(row.text)
        return "skip"

    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    done_rows = 0  # data rows yielded so far; the next one is on line done_rows + 2
    try:
        reader = pacsv.open_csv(
            pa.OSFile(str(path)),
            read_options=pacsv.ReadOptions(block_size=8 << 20, use_threads=True),
            parse_options=pacsv.ParseOptions(
                invalid_row_handler=on_invalid, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in columns}, strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid:  # not UTF-8, a header alone without a line break, ...
        yield from _csv_exact(path, columns, skip=0, batch_rows=batch_rows)
        return
    for record_batch in _until_invalid(reader):
        if record_batch is None or bad_rows or _spans_lines(record_batch):
            # line numbers unknown from here: re-read exactly
            yield from _csv_exact(path, columns, skip=done_rows, batch_rows=batch_rows)
            return
        pending.append(record_batch)
        pending_rows += record_batch.num_rows
        while pending_rows >= batch_rows:
            table = pa.Table.from_batches(pending)
            yield RawBatch(_with_rows(table.slice(0, batch_rows), done_rows + 2))
            done_rows += batch_rows
            rest = table.slice(batch_rows)
            pending, pending_rows = rest.to_batches(), rest.num_rows
    if bad_rows:
        yield from _csv_exact(path, columns, skip=done_rows, batch_rows=batch_rows)
        return
    if pending_rows:
        yield RawBatch(_with_rows(pa.Table.from_batches(pending), done_rows + 2))


def _until_invalid(reader: pacsv.CSVStreamingReader) -> Iterator[pa.RecordBatch | None]:
    """The reader's batches, then None if Arrow found a block it cannot read (e.g. not UTF-8)."""
    while True:
        try:
            yield reader.read_next_batch()
        except StopIteration:
            return
        except pa.ArrowInvalid:
            yield None
            return


def _spans_lines(batch: pa.RecordBatch) -> bool:
    """Whether a value holds a line break (then records and lines no longer match).

    Scans each string column's value bytes at once; bytes outside the batch's values can only
    cause a needless exact re-read, never a missed line break.
    """
    return any(
        column.buffers()[2] is not None and column.buffers()[2].to_pybytes().find(b"\n") >= 0
        for column in batch.columns
    )


def _csv_exact(path: Path, columns: list[str], *, skip: int, batch_rows: int) -> Iterator[RawBatch]:
    """Python's csv reader from data row ``skip`` on: slower, but knows each row's line."""
    width = len(columns)
    schema = pa.schema([pa.field(c, pa.string()) for c in columns])
    # bytes that are not UTF-8 survive decoding as surrogates, and their row is refused
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
        reader = csv.reader(handle)
        next(reader)
        rows: list[list[str]] = []
        numbers: list[int] = []
        errors: list[ShapeError] = []
        seen = 0
        line = reader.line_num
        for record in _records(reader, path):
            start, line = line + 1, reader.line_num
            seen += 1
            if seen <= skip:
                continue
            if not record:
                record = [""] * width
            text = ",".join(record)
            if not _is_utf8(text):
                errors.append(
                    ShapeError(
                        start,
                        text.encode("utf-8", "surrogateescape").decode("utf-8", "replace"),
                        "holds bytes that are not UTF-8 text",
                    )
                )
            elif len(record) != width:
                errors.append(
                    ShapeError(start, text, f"has {len(record)} columns, the header has {width}")
                )
            else:
                rows.append(record)
                numbers.append(start)
            if len(rows) + len(errors) >= batch_rows:
                yield _exact_batch(rows, numbers, errors, schema)
                rows, numbers, errors = [], [], []
        if rows or errors:
            yield _exact_batch(rows, numbers, errors, schema)


def _records(reader: Iterator[list[str]], path: Path) -> Iterator[list[str]]:
    """The csv module's records; a field it cannot read stops the file with a clear error."""
    try:
        yield from reader
    except csv.Error as exc:
        line = getattr(reader, "line_num", "?")
        raise FileFormatError(
            f"file {path}: line {line} cannot be read as CSV ({exc}; an unclosed quote?)"
        ) from exc


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _exact_batch(rows, numbers, errors, schema) -> RawBatch:  # type: ignore[no-untyped-def]
    arrays = (
        [pa.array(col, pa.string()) for col in zip(*rows, strict=True)]
        if rows
        else [pa.array([], pa.string()) for _ in schema]
    )
    table = pa.Table.from_arrays(arrays, schema=schema).append_column(
        ROW, pa.array(numbers, pa.int64())
    )
    return RawBatch(table, list(errors))


def read_column(path: Path, column: str) -> pa.Array:
    """One column of a file as text (rows that cannot be read are left out)."""
    if file_kind(path) == "parquet":
        values = _parquet_file(path).read(columns=[column]).column(column)
        return values.combine_chunks().cast(pa.string())
    chunks = [b.rows.column(column).cast(pa.string()) for b in iter_batches(path, 1 << 20)]
    return pa.chunked_array(chunks, pa.string()).combine_chunks()
