"""Validation is total: whatever text a file holds in any field, each row is loaded or quarantined."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from icrms.declarations.parsers import ADAPTERS
from icrms.ingest.readers import ROW
from icrms.ingest.validation import Validator
from tests.factories import COLUMNS, native_row

VALUES = st.one_of(
    st.text(max_size=14),
    st.from_regex(r"-?[0-9]{0,4}(\.[0-9]{0,3})?(e-?[0-9]{1,3})?", fullmatch=True),
    st.sampled_from(["nan", "inf", "-inf", "1.5", "0", ";", "ZZ", "2026-02-30T10:00:00Z"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(COLUMNS), VALUES), min_size=1, max_size=6))
def test_any_text_in_any_field_is_loaded_or_quarantined(changes: list[tuple[str, str]]) -> None:
    rows = [native_row(i + 1) for i in range(len(changes))]
    for row, (column, value) in zip(rows, changes, strict=True):
        row[column] = value
    table = pa.Table.from_pylist(
        rows, schema=pa.schema([(c, pa.string()) for c in COLUMNS])
    ).append_column(ROW, pa.array(range(2, len(rows) + 2), pa.int64()))
    validator = Validator(ADAPTERS["native"], "UTC", "native")
    try:
        valid, problems = validator.prepare(table)
    finally:
        validator.close()
    assert valid + len(set(problems.column("row").to_pylist())) == len(rows)
