"""Streaming writers for CSV, JSON lines and Parquet, chosen by the file suffix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

SUFFIXES = (".csv", ".jsonl", ".parquet")


class TableWriter(Protocol):
    """Appends Arrow tables to one output file."""

    def write(self, table: pa.Table) -> None:
        """Append the rows of ``table``."""

    def close(self) -> None:
        """Flush and close the file."""


class _CsvWriter:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        options = pcsv.WriteOptions(include_header=True, quoting_style="needed")
        self._writer = pcsv.CSVWriter(str(path), schema, write_options=options)

    def write(self, table: pa.Table) -> None:
        self._writer.write_table(table)

    def close(self) -> None:
        self._writer.close()


JSON_SLICE = 100_000  # rows encoded at once (keeps each text buffer far below 2 GiB)


def _json_value(column: pa.Array) -> pa.Array:
    """JSON text of each value of a column (``null`` for nulls)."""
    if pa.types.is_string(column.type):
        if pc.any(pc.match_substring_regex(column, r'["\\\x00-\x1f]')).as_py():
            texts = [json.dumps(v) if v is not None else None for v in column.to_pylist()]
            return pc.fill_null(pa.array(texts, pa.string()), "null")
        text = pc.binary_join_element_wise('"', column, '"', "")  # nothing to escape
    else:  # numbers and booleans: Arrow's shortest round-trip text is valid JSON
        text = pc.cast(column, pa.string())
    return pc.fill_null(text, "null")


def json_lines(table: pa.Table) -> pa.Array:
    """The rows of ``table`` as JSON lines: one object per row (with its newline) per element."""
    parts: list[pa.Array | str] = []
    for i, name in enumerate(table.column_names):
        parts.append(("{" if i == 0 else ",") + json.dumps(name) + ":")
        parts.append(_json_value(table.column(i).combine_chunks()))
    return pc.binary_join_element_wise(*parts, "}\n", "")


class _JsonLinesWriter:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._file: BinaryIO = path.open("wb")

    def write(self, table: pa.Table) -> None:
        for start in range(0, table.num_rows, JSON_SLICE):
            lines = json_lines(table.slice(start, JSON_SLICE))
            offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
            first, last = offsets[lines.offset], offsets[lines.offset + len(lines)]
            self._file.write(memoryview(lines.buffers()[2])[first:last])

    def close(self) -> None:
        self._file.close()


class _ParquetWriter:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._writer = pq.ParquetWriter(str(path), schema, compression="zstd")

    def write(self, table: pa.Table) -> None:
        self._writer.write_table(table)

    def close(self) -> None:
        self._writer.close()


def open_writer(path: Path, schema: pa.Schema, suffix: str) -> TableWriter:
    """A writer for ``path`` in the format of ``suffix`` (one of ``SUFFIXES``)."""
    if suffix == ".csv":
        return _CsvWriter(path, schema)
    if suffix == ".jsonl":
        return _JsonLinesWriter(path, schema)
    return _ParquetWriter(path, schema)
