"""The quarantine CSV cannot harm the analyst who opens it (issue 8 item 5)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from icrms.core.outputs import safe_cell
from icrms.ingest.flows import ingest_file
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse
from tests.factories import native_row, write_csv


@pytest.fixture
def wh(workspace: Settings):  # type: ignore[no-untyped-def]
    with DuckDBWarehouse(workspace.warehouse_path) as opened:
        yield opened


FORMULAS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://example.invalid","x")', "+1+1", "@SUM(A1)"]


def test_formula_cells_are_neutralised_and_numbers_kept(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    rows = [native_row(i, hs_code=f) for i, f in enumerate(FORMULAS, start=1)]
    rows.append(native_row(9, customs_value="-5"))
    report = ingest_file(wh, write_csv(tmp_path / "f.csv", rows), fmt="native", settings=workspace)
    with open(report.quarantine_file or "", newline="", encoding="utf-8") as handle:
        cells = {r["row"]: r["value"] for r in csv.DictReader(handle)}
    assert [cells[str(n)] for n in range(2, 6)] == ["'" + f for f in FORMULAS]
    assert cells["6"] == "-5"
    for value in cells.values():
        assert not value.startswith(("=", "+", "@", "\t", "\r")) and (
            not value.startswith("-") or value == "-5"
        )


@pytest.mark.parametrize(
    ("value", "shown"),
    [("-5", "-5"), ("+1e3", "+1e3"), ("-2+3", "'-2+3"), ("\t=1", "'\t=1"), ("ok", "ok"), (7, 7)],
)
def test_safe_cell(value: object, shown: object) -> None:
    assert safe_cell(value) == shown


def test_a_link_where_the_quarantine_file_goes_is_replaced_not_followed(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    """Before: ingest wrote through the link and overwrote its target."""
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    path = write_csv(tmp_path / "l.csv", [native_row(1, hs_code="1")])
    link = tmp_path / "l.csv.quarantine.csv"
    link.symlink_to(victim)
    report = ingest_file(wh, path, fmt="native", settings=workspace)
    assert report.quarantine_file == str(link)
    assert victim.read_text() == "precious\n"
    assert not link.is_symlink() and "hs_code" in link.read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
