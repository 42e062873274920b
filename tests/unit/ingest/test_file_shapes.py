"""File shapes that crashed ingest: each gives quarantined rows or one clear error (issue 8 item 8).

Also the bookkeeping of a resumed ingest with another batch size (issue 7 item 6).
"""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from icrms.ingest.flows import IngestReport, ingest_file
from icrms.ingest.readers import FileFormatError
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse
from tests.factories import COLUMNS, native_row, write_csv


@pytest.fixture
def wh(workspace: Settings):  # type: ignore[no-untyped-def]
    with DuckDBWarehouse(workspace.warehouse_path) as opened:
        yield opened


def ingest(wh: DuckDBWarehouse, path: Path, settings: Settings) -> IngestReport:
    report = ingest_file(wh, path, fmt="native", settings=settings)
    assert report.rows_in == report.loaded + report.quarantined
    return report


def rows_and_reasons(wh: DuckDBWarehouse, report: IngestReport) -> dict[int, str]:
    return {r["row"]: r["reason"] for r in wh.quarantined(report.source_id).to_pylist()}


def test_bytes_that_are_not_utf8_quarantine_their_row(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "latin1.csv", [native_row(i) for i in range(1, 5)])
    text = path.read_bytes().replace(b"smartphones", b"t\xe9l\xe9phones", 1)
    path.write_bytes(text)
    report = ingest(wh, path, workspace)
    assert (report.rows_in, report.loaded, report.quarantined) == (4, 3, 1)
    assert rows_and_reasons(wh, report) == {2: "holds bytes that are not UTF-8 text"}
    path.write_bytes(b"\xff" + text)
    with pytest.raises(FileFormatError, match=r"latin1\.csv: line 1 is not UTF-8"):
        ingest_file(wh, path, fmt="native", settings=workspace)


def test_a_field_over_128_kib_on_the_exact_csv_path_is_quarantined(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    rows = [native_row(1, description="two\nlines"), native_row(2, description="x" * 200_000)]
    report = ingest(wh, write_csv(tmp_path / "wide.csv", [*rows, native_row(3)]), workspace)
    assert (report.rows_in, report.loaded, report.quarantined) == (3, 2, 1)
    assert rows_and_reasons(wh, report) == {4: "is longer than 512 characters"}


def test_an_unclosed_quote_is_one_clear_error(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "quote.csv", [native_row(1, description="a\nb")])
    with path.open("a") as handle:
        handle.write('2026-0042-000002,1,"' + "x" * (17 << 20) + "\n")
    with pytest.raises(FileFormatError, match=r"quote\.csv: line .* cannot be read as CSV"):
        ingest_file(wh, path, fmt="native", settings=workspace)


def test_deeply_nested_and_nested_json_lines_are_quarantined(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    lines = [json.dumps(native_row(i)) for i in range(1, 5)]
    lines[1] = lines[1].replace('"smartphones"', "[" * 100_000 + "]" * 100_000)
    lines[2] = lines[2].replace('"smartphones"', '{"a": 1}')
    path = tmp_path / "deep.jsonl"
    path.write_text("\n".join(lines) + "\n")
    report = ingest(wh, path, workspace)
    assert (report.rows_in, report.loaded, report.quarantined) == (4, 2, 2)
    assert rows_and_reasons(wh, report) == {
        2: "invalid JSON: nested too deeply to read",
        3: "invalid JSON: description holds an object or list, not a value",
    }
    first = tmp_path / "deep-first.jsonl"
    first.write_text(lines[1] + "\n")
    with pytest.raises(FileFormatError, match=r"deep-first\.jsonl: line 1 is not a JSON object"):
        ingest_file(wh, first, fmt="native", settings=workspace)


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (",".join([*COLUMNS, "hs_code"]), "column names repeated: hs_code"),
        (",".join([*COLUMNS, "_row"]), "column name _row is reserved"),
    ],
)
def test_repeated_or_reserved_column_names_refuse_the_file(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path, header: str, problem: str
) -> None:
    path = tmp_path / "names.csv"
    path.write_text(header + "\n" + ",".join(native_row(1).values()) + ",x\n")
    with pytest.raises(FileFormatError, match=f"names.csv: {problem}"):
        ingest_file(wh, path, fmt="native", settings=workspace)
    parquet = tmp_path / "names.parquet"
    pq.write_table(pa.table({"declaration_id": ["A"], "_row": [1]}), parquet)
    with pytest.raises(FileFormatError, match="_row is reserved"):
        ingest_file(wh, parquet, fmt="native", settings=workspace)


def test_a_header_without_final_newline_is_an_empty_file(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "header.csv"
    path.write_text(",".join(COLUMNS))
    report = ingest(wh, path, workspace)
    assert (report.rows_in, report.loaded) == (0, 0)
    last = write_csv(tmp_path / "last.csv", [native_row(1), native_row(2)])
    last.write_text(last.read_text().rstrip("\r\n"))
    assert ingest(wh, last, workspace).loaded == 2


def test_a_corrupt_parquet_file_is_one_clear_error(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "corrupt.parquet"
    pq.write_table(pa.Table.from_pylist([native_row(i) for i in range(1, 50)]), path)
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\0" * 400 + data[500:])
    with pytest.raises(FileFormatError, match=r"corrupt\.parquet: Parquet data .* cannot be read"):
        ingest_file(wh, path, fmt="native", settings=workspace)
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(FileFormatError, match=r"corrupt\.parquet: not a readable Parquet file"):
        ingest_file(wh, path, fmt="native", settings=workspace)
    assert wh.count("fact_item") == 0


def test_resuming_with_another_batch_size_counts_each_row_once(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    """Before: a 10-row file killed after its first batch of 4 reported rows_in 11 on a rerun
    with batches of 3."""
    rows = [native_row(i) for i in range(1, 11)]
    rows[5]["hs_code"] = "1"
    path = write_csv(tmp_path / "ten.csv", rows)
    small = workspace.model_copy(
        update={"ingest": workspace.ingest.model_copy(update={"batch_rows": 4})}
    )
    first = ingest(wh, path, small)
    wh.execute(f"DELETE FROM ingest_batch WHERE batch_no > 0 AND source_id = '{first.source_id}'")
    for size in (3, 7, 1, 50):
        other = small.model_copy(
            update={"ingest": small.ingest.model_copy(update={"batch_rows": size})}
        )
        again = ingest(wh, path, other)
        assert (again.rows_in, again.loaded, again.quarantined) == (10, 9, 1), size
    assert wh.count("fact_item") == 9


def test_a_later_json_line_with_a_key_that_is_not_utf8_is_quarantined(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    lines = [json.dumps(native_row(i)).encode() for i in range(1, 4)]
    lines[1] = lines[1].replace(b'"description"', b'"\x80description"', 1)
    path = tmp_path / "key.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = ingest(wh, path, workspace)
    assert (report.rows_in, report.loaded, report.quarantined) == (3, 2, 1)
    assert rows_and_reasons(wh, report)[2].startswith("invalid JSON")


def test_parquet_text_that_is_not_utf8_is_one_clear_error(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    """Found by the file fuzz test: DuckDB failed inside the validation SQL instead."""
    table = pa.Table.from_pylist([native_row(1)])
    bad = pa.Array.from_buffers(
        pa.string(),
        1,
        [None, pa.py_buffer(pa.array([0, 2], pa.int32()).buffers()[1]), pa.py_buffer(b"\xff\xfe")],
    )
    table = table.set_column(table.schema.get_field_index("description"), "description", bad)
    path = tmp_path / "bytes.parquet"
    pq.write_table(table, path)
    with pytest.raises(
        FileFormatError, match=r"bytes\.parquet: Parquet data after row 0 is not valid.*UTF8"
    ):
        ingest_file(wh, path, fmt="native", settings=workspace)
    assert wh.count("fact_item") == 0
