"""Ingest bounds every field as the declaration model does (issue 8 items 1, 2; issue 7 items 2, 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from icrms.declarations.schemas import DeclarationCreate
from icrms.ingest.flows import ingest_file
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse
from tests.factories import native_row, write_csv


@pytest.fixture
def wh(workspace: Settings):  # type: ignore[no-untyped-def]
    with DuckDBWarehouse(workspace.warehouse_path) as opened:
        yield opened


def reasons(wh: DuckDBWarehouse, source: str) -> dict[int, set[tuple[str, str]]]:
    out: dict[int, set[tuple[str, str]]] = {}
    for r in wh.quarantined(source).to_pylist():
        out.setdefault(r["row"], set()).add((r["field"], r["reason"]))
    return out


def test_numbers_dates_and_lengths_out_of_bounds_are_quarantined(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    rows = [
        native_row(1, item_no=str(2**31)),
        native_row(2, version=str(2**70)),
        native_row(3, quantity="1e16"),
        native_row(4, duty_rate="101"),
        native_row(5, net_mass_kg="1e-310"),
        native_row(6, lodged_at="9999-12-31T23:59:59-14:00"),
        native_row(7, lodged_at="2026-03-02T09:14:00+15:00"),
        native_row(8, lodged_at="2100-01-01T01:00:00+14:00"),
        native_row(9, description="x" * 40_000),
        native_row(10, importer_id="I" * 65),
        native_row(11, control_outcome="no_finding", controlled_at="1969-12-31T23:00:00Z"),
        native_row(12, description="é" * 512, net_mass_kg="0.000001"),
    ]
    report = ingest_file(
        wh, write_csv(tmp_path / "bounds.csv", rows), fmt="native", settings=workspace
    )
    found = reasons(wh, report.source_id)
    assert (report.rows_in, report.loaded, report.quarantined) == (12, 1, 11)
    expected = {
        2: ("item_no", "is not a whole number from 1 to 2147483647"),
        3: ("version", "is not a whole number from 1 to 2147483647"),
        4: ("quantity", "is larger than 1e+15"),
        5: ("duty_rate", "is larger than 100"),
        6: ("net_mass_kg", "is below 1e-06 kg (1 mg) but not 0"),
        7: ("lodged_at", "is outside 1970 to 2099"),
        8: ("lodged_at", "is not an ISO 8601 date and time with a UTC offset of at most 14 hours"),
        9: ("lodged_at", "is outside 1970 to 2099"),
        10: ("description", "is longer than 512 characters"),
        11: ("importer_id", "is longer than 64 characters"),
        12: ("controlled_at", "is outside 1970 to 2099"),
    }
    for row, record in expected.items():
        assert record in found[row], (row, found[row])
    loaded = wh.sql("SELECT description, unit_value FROM fact_item").to_pylist()
    assert loaded[0]["description"] == "é" * 512 and loaded[0]["unit_value"] == pytest.approx(
        41012.0 / 1e-6
    )


def test_items_that_disagree_on_a_header_field_quarantine_the_whole_declaration(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    """Before: loaded as they came, and live and bulk then decided differently."""
    same = {"declaration_id": "2026-0042-000001"}
    rows = [
        native_row(1, **same, item_no="1", aeo="true"),
        native_row(1, **same, item_no="2", aeo="false", office_code="0043"),
        native_row(1, **same, item_no="3", aeo="true"),
        native_row(2, item_no="1", aeo="1"),
        native_row(2, item_no="2", aeo="TRUE"),
        native_row(3, item_no="1", aeo=""),
        native_row(3, item_no="2", aeo="false"),
        native_row(4, item_no="1", lodged_at="2026-03-02T09:14:00+09:00"),
        native_row(4, item_no="2", lodged_at="2026-03-01T15:14:00-09:00"),
    ]
    report = ingest_file(
        wh, write_csv(tmp_path / "mixed.csv", rows), fmt="native", settings=workspace
    )
    found = reasons(wh, report.source_id)
    assert (report.rows_in, report.loaded, report.quarantined) == (9, 4, 5)

    def why(values: str) -> str:
        return f"differs between the items of this declaration ({values}); the whole declaration is refused"

    for row in (2, 3, 4):
        assert {("aeo", why("'false', 'true'")), ("office_code", why("'0042', '0043'"))} <= found[
            row
        ]
    instants = why("'2026-03-01T15:14:00-09:00', '2026-03-02T09:14:00+09:00'")
    assert found[9] == found[10] == {("lodged_at", instants)}  # same instant, other local date
    loaded = wh.sql("SELECT declaration_id, item_no, aeo FROM fact_item ORDER BY ALL").to_pylist()
    assert [(r["declaration_id"][-1], r["item_no"], r["aeo"]) for r in loaded] == [
        ("2", 1, True),
        ("2", 2, True),
        ("3", 1, False),
        ("3", 2, False),
    ]


def test_items_arriving_later_must_agree_with_the_header_already_loaded(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    """Before: a declaration split over two batches, or completed by a second file, loaded items
    that disagreed with those loaded before (each batch was checked on its own)."""
    pairs = workspace.model_copy(
        update={"ingest": workspace.ingest.model_copy(update={"batch_rows": 2})}
    )
    rows = [
        native_row(1, item_no="1", office_code="0042"),
        native_row(1, item_no="2", office_code="0042"),
        native_row(1, item_no="3", office_code="0043"),  # the next batch
        native_row(2, item_no="1"),
    ]
    first = ingest_file(wh, write_csv(tmp_path / "split.csv", rows), fmt="native", settings=pairs)
    assert (first.rows_in, first.loaded, first.quarantined) == (4, 3, 1)
    why = "differs between the items of this declaration ('0042', '0043'); the whole declaration is refused"
    assert reasons(wh, first.source_id) == {4: {("office_code", why)}}
    later = [native_row(2, item_no="2", aeo="true"), native_row(1, item_no="4")]
    second = ingest_file(wh, write_csv(tmp_path / "later.csv", later), fmt="native", settings=pairs)
    assert (second.loaded, second.quarantined) == (1, 1)
    aeo = "differs between the items of this declaration ('false', 'true'); the whole declaration is refused"
    assert reasons(wh, second.source_id) == {2: {("aeo", aeo)}}
    heads = wh.sql(
        "SELECT declaration_id, count(DISTINCT office_code) offices, count(DISTINCT aeo) aeos, "
        "count(*) items FROM fact_item GROUP BY ALL ORDER BY ALL"
    ).to_pylist()
    assert [(h["offices"], h["aeos"], h["items"]) for h in heads] == [(1, 1, 3), (1, 1, 1)]
    # the first file again with another batch size: nothing new, nothing more refused
    again = pairs.model_copy(update={"ingest": pairs.ingest.model_copy(update={"batch_rows": 10})})
    redo = ingest_file(wh, tmp_path / "split.csv", fmt="native", settings=again)
    assert (redo.rows_in, redo.loaded, redo.new, redo.quarantined) == (4, 3, 0, 1)


def test_empty_aeo_in_a_file_means_what_a_missing_aeo_means_live(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    """Before: NULL from a file and FALSE live, so ``NOT aeo`` matched only one of them."""
    path = write_csv(tmp_path / "aeo.csv", [native_row(1, aeo="")])
    ingest_file(wh, path, fmt="native", settings=workspace)
    stored = wh.sql("SELECT * FROM fact_item").to_pylist()
    assert stored[0]["aeo"] is False
    live = DeclarationCreate.from_item_rows(stored)
    assert live.aeo is stored[0]["aeo"]
