"""Fuzz every file reader (issue 8): mutated CSV, JSON lines, Parquet, YAML and JSON documents.

Whatever the bytes, ingest either loads and quarantines with ``rows_in = loaded + quarantined``
or refuses the file with one icrms error naming it; the document reader returns data or a
validation error. Nothing else escapes.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icrms.core.documents import read_document
from icrms.errors import IcrmsError, ValidationError
from icrms.ingest.flows import ingest_file
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse
from tests.factories import COLUMNS, native_row
from tests.integration.test_assess_cli import PROFILES

# Arrow decodes an invalid row's text before calling our handler; bytes that are not UTF-8 make
# that decoding fail inside Arrow, which then stops the fast reader (the exact reader takes over).
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

FUZZ = settings(
    max_examples=int(os.environ.get("ICRMS_FUZZ_EXAMPLES", "50")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
SPECIAL = [
    b"\n",
    b"\r\n",
    b",",
    b'"',
    b"\xff",
    b"\x00",
    b"{",
    b"[" * 3000,
    b"=",
    b"\\",
    b"\xe2\x80\xae",
]


@pytest.fixture(scope="module")
def place(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[DuckDBWarehouse, Settings, Path]]:
    folder = tmp_path_factory.mktemp("fuzz-files")
    current = Settings(home=folder / "ws")
    current.ensure_home()
    settings_small = current.model_copy(
        update={"ingest": current.ingest.model_copy(update={"batch_rows": 3})}
    )
    with DuckDBWarehouse(current.warehouse_path) as wh:
        yield wh, settings_small, folder


def sample(kind: str) -> bytes:
    rows = [native_row(i, item_no=str(i % 2 + 1), description=f"item {i}") for i in range(1, 6)]
    if kind == "csv":
        buffer = io.StringIO()
        buffer.write(",".join(COLUMNS) + "\n")
        for row in rows:
            buffer.write(",".join(row[c] for c in COLUMNS) + "\n")
        return buffer.getvalue().encode()
    if kind == "jsonl":
        return b"".join(json.dumps(r).encode() + b"\n" for r in rows)
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), sink, row_group_size=2)
    return sink.getvalue()


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with a few byte ranges replaced, removed or repeated."""
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        end = draw(st.integers(at, min(len(data), at + 40)))
        piece = draw(st.one_of(st.binary(max_size=12), st.sampled_from(SPECIAL)))
        how = draw(st.sampled_from(["replace", "insert", "delete", "repeat"]))
        if how == "replace":
            data = data[:at] + piece + data[end:]
        elif how == "insert":
            data = data[:at] + piece + data[at:]
        elif how == "delete":
            data = data[:at] + data[end:]
        else:
            data = data[:end] + data[at:end] * draw(st.integers(1, 3)) + data[end:]
    return data


def check_ingest(place: tuple[DuckDBWarehouse, Settings, Path], name: str, data: bytes) -> None:
    wh, current, folder = place
    path = folder / name
    path.write_bytes(data)
    try:
        report = ingest_file(wh, path, fmt="native", settings=current)
    except IcrmsError as exc:
        assert path.name in exc.message  # one clear error naming the file
        return
    assert report.rows_in == report.loaded + report.quarantined
    again = ingest_file(wh, path, fmt="native", settings=current)
    assert (again.rows_in, again.loaded, again.new) == (report.rows_in, report.loaded, 0)


@FUZZ
@given(mutated(sample("csv")))
def test_fuzzed_csv(place: tuple[DuckDBWarehouse, Settings, Path], data: bytes) -> None:
    check_ingest(place, "fuzz.csv", data)


@FUZZ
@given(mutated(sample("jsonl")))
def test_fuzzed_json_lines(place: tuple[DuckDBWarehouse, Settings, Path], data: bytes) -> None:
    check_ingest(place, "fuzz.jsonl", data)


@FUZZ
@given(mutated(sample("parquet")))
def test_fuzzed_parquet(place: tuple[DuckDBWarehouse, Settings, Path], data: bytes) -> None:
    check_ingest(place, "fuzz.parquet", data)


@FUZZ
@given(
    mutated(PROFILES.encode() + b"- &a [*a]\n"),
    st.sampled_from([".yaml", ".json"]),
)
def test_fuzzed_documents(
    place: tuple[DuckDBWarehouse, Settings, Path], data: bytes, suffix: str
) -> None:
    path = place[2] / f"doc{suffix}"
    if suffix == ".json":
        data = json.dumps(PROFILES.splitlines()).encode()[: len(data)] + data[-20:]
    path.write_bytes(data)
    try:
        read_document(path)
    except ValidationError as exc:
        assert str(path) in exc.message and len(exc.message) < 1200
