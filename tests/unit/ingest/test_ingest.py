from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from icrms.ingest.flows import ingest_file
from icrms.ingest.readers import FileFormatError
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse
from tests.factories import COLUMNS, native_row, write_csv


@pytest.fixture
def wh(workspace: Settings):  # type: ignore[no-untyped-def]
    with DuckDBWarehouse(workspace.warehouse_path) as opened:
        yield opened


def broken_file(path: Path) -> Path:
    """Ten good rows and one row for each kind of breakage, the last with a wrong column count."""
    rows = [native_row(i) for i in range(1, 11)]
    rows += [
        native_row(11, country_of_origin="XQ"),
        native_row(12, customs_value="-5"),
        native_row(13, hs_code="98AB"),
        native_row(14, declaration_id=""),
        native_row(15, lodged_at="2026-02-30T10:00:00Z"),
    ]
    write_csv(path, rows)
    with path.open("a") as handle:
        handle.write("2026-0042-000016,1,2026-03-02T09:14:00Z,0042\n")
    return path


def test_broken_rows_reconcile_and_name_field_and_value(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    path = broken_file(tmp_path / "broken.csv")
    report = ingest_file(wh, path, fmt="native", settings=workspace)
    assert (report.rows_in, report.loaded, report.quarantined) == (16, 10, 6)
    assert report.rows_in == report.loaded + report.quarantined
    assert wh.count("fact_item") == 10
    records = wh.quarantined(report.source_id).to_pylist()
    found = {(r["row"], r["field"], r["value"]) for r in records}
    assert (12, "country_of_origin", "XQ") in found
    assert (13, "customs_value", "-5") in found
    assert (14, "hs_code", "98AB") in found
    assert (15, "declaration_id", None) in found
    assert (16, "lodged_at", "2026-02-30T10:00:00Z") in found
    shape = [r for r in records if r["row"] == 17]
    assert shape and "columns" in shape[0]["reason"]
    reasons = {r["field"]: r["reason"] for r in records}
    assert reasons["country_of_origin"] == "is not an ISO 3166-1 alpha-2 country code"
    assert reasons["customs_value"] == "is negative"
    with open(report.quarantine_file or "", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == len(records)


def test_same_file_twice_adds_nothing(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    path = broken_file(tmp_path / "broken.csv")
    first = ingest_file(wh, path, fmt="native", settings=workspace)
    second = ingest_file(wh, path, fmt="native", settings=workspace)
    assert first.new == 10 and second.new == 0
    assert (second.rows_in, second.loaded, second.quarantined) == (16, 10, 6)
    assert wh.count("fact_item") == 10
    assert wh.count("quarantine") == len(wh.quarantined(first.source_id))


def test_same_rows_in_a_new_file_are_already_present(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    rows = [native_row(i) for i in range(1, 6)]
    ingest_file(wh, write_csv(tmp_path / "a.csv", rows), fmt="native", settings=workspace)
    report = ingest_file(
        wh, write_csv(tmp_path / "b.csv", [*rows, native_row(6)]), fmt="native", settings=workspace
    )
    assert (report.loaded, report.new, report.already_present) == (6, 1, 5)


def test_duplicate_key_inside_a_file_is_quarantined(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "dup.csv", [native_row(1), native_row(2), native_row(1)])
    report = ingest_file(wh, path, fmt="native", settings=workspace)
    assert (report.loaded, report.quarantined) == (2, 1)
    record = wh.quarantined(report.source_id).to_pylist()[0]
    assert record["row"] == 4 and "earlier row" in record["reason"]


@pytest.mark.parametrize("kind", ["jsonl", "parquet"])
def test_jsonl_and_parquet_load_like_csv(
    kind: str, wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    rows = [native_row(i) for i in range(1, 21)] + [native_row(21, currency="XYZ")]
    path = tmp_path / f"decl.{kind}"
    if kind == "jsonl":
        path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{not json\n")
        expected = (22, 20, 2)
    else:
        pq.write_table(pa.Table.from_pylist(rows), path)
        expected = (21, 20, 1)
    report = ingest_file(wh, path, fmt="native", settings=workspace)
    assert (report.rows_in, report.loaded, report.quarantined) == expected
    item = (
        wh.table("fact_item")
        .filter(lambda t: t.declaration_id == "2026-0042-000003")
        .to_pyarrow()
        .to_pylist()[0]
    )
    assert item["hs6"] == "851713" and item["unit_value"] == pytest.approx((41003.0) / 110.0)
    assert item["date_key"] == 20260302


def test_control_columns_load_as_control_results(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    rows = [
        native_row(
            1,
            control_outcome="irregularity",
            control_selection="random",
            irregularity_types="undervaluation",
            extra_revenue="1200.5",
            controlled_at="2026-03-03T10:00:00Z",
        ),
        native_row(2, control_outcome="no_finding", control_selection="targeted"),
        native_row(3),
        native_row(4, control_outcome="found-it"),
    ]
    report = ingest_file(wh, write_csv(tmp_path / "c.csv", rows), fmt="native", settings=workspace)
    assert (report.loaded, report.quarantined) == (3, 1)
    controls = wh.table("fact_control").order_by("declaration_id").to_pyarrow().to_pylist()
    assert [c["outcome"] for c in controls] == ["irregularity", "no_finding"]
    assert controls[0]["extra_revenue"] == 1200.5 and controls[0]["selection"] == "random"


def test_missing_required_columns_refuse_the_whole_file(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    columns = [c for c in COLUMNS if c != "hs_code"]
    path = write_csv(tmp_path / "short.csv", [native_row(1)], columns)
    with pytest.raises(FileFormatError, match="hs_code"):
        ingest_file(wh, path, fmt="native", settings=workspace)
    assert wh.count("fact_item") == 0


def test_quoted_newline_and_bad_row_keep_exact_line_numbers(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    rows = [
        native_row(1),
        native_row(2, description="two\nlines"),
        native_row(3),
        native_row(4, hs_code="1"),
    ]
    path = write_csv(tmp_path / "multi.csv", rows)
    report = ingest_file(wh, path, fmt="native", settings=workspace)
    assert (report.rows_in, report.loaded, report.quarantined) == (4, 3, 1)
    assert wh.quarantined(report.source_id).to_pylist()[0]["row"] == 6


def test_date_format_maps_columns(wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path) -> None:
    path = tmp_path / "date.csv"
    path.write_text(
        "sgd.id,sgd.date,importer.id,declarant.id,country,office.id,tariff.code,quantity,"
        "gross.weight,fob.value,cif.value,total.taxes,illicit,revenue\n"
        "SGD1,13-01-05,IMP1,DEC1,CN,OFF1,8517130000,10,5.0,900,1000,100,1,250\n"
        "SGD1,13-01-05,IMP1,DEC1,CN,OFF1,8517120000,10,5.0,900,1000,100,0,0\n"
        "SGD2,13-02-31,IMP2,DEC1,CN,OFF1,8517130000,10,5.0,900,1000,100,0,0\n"
    )
    report = ingest_file(wh, path, fmt="date", settings=workspace)
    assert (report.loaded, report.quarantined) == (2, 1)
    record = wh.quarantined(report.source_id).to_pylist()[0]
    assert (record["field"], record["value"]) == ("sgd.date", "13-02-31")
    items = wh.table("fact_item").order_by("item_no").to_pyarrow().to_pylist()
    assert [i["item_no"] for i in items] == [2, 3]
    assert items[0]["unit_value"] == pytest.approx(200.0)
    controls = wh.table("fact_control").order_by("item_no").to_pyarrow().to_pylist()
    assert [(c["outcome"], c["extra_revenue"]) for c in controls] == [
        ("irregularity", 250.0),
        ("no_finding", 0.0),
    ]


def test_container_check_digit_and_codes_are_checked(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    rows = [
        native_row(1, containers="CSQU3054383;MSKU1234565"),
        native_row(2, containers="CSQU3054383;CSQU3054384"),
        native_row(3, transport_mode="12"),
        native_row(4, country_of_export="ZZ", currency="XYZ"),
    ]
    report = ingest_file(
        wh, write_csv(tmp_path / "codes.csv", rows), fmt="native", settings=workspace
    )
    found = {(r["row"], r["field"]) for r in wh.quarantined(report.source_id).to_pylist()}
    assert found == {(3, "containers"), (4, "transport_mode"), (5, "currency")}
    assert report.loaded == 1


def test_optional_columns_may_be_absent(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    columns = [
        "declaration_id",
        "lodged_at",
        "office_code",
        "importer_id",
        "item_no",
        "hs_code",
        "customs_value",
    ]
    path = write_csv(tmp_path / "minimal.csv", [native_row(1), native_row(2)], columns)
    report = ingest_file(wh, path, fmt="native", settings=workspace)
    assert (report.loaded, report.quarantined) == (2, 0)
    assert wh.count("fact_control") == 0
    row = wh.sql("SELECT version, net_mass_kg, unit_value FROM fact_item LIMIT 1").to_pylist()[0]
    assert row == {"version": 1, "net_mass_kg": None, "unit_value": None}


def test_padding_is_trimmed_and_empty_text_is_null(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    rows = [native_row(1, importer_id="  TIN-9 ", country_of_origin=" cn", description="")]
    report = ingest_file(
        wh, write_csv(tmp_path / "pad.csv", rows), fmt="native", settings=workspace
    )
    assert report.loaded == 1
    row = wh.sql("SELECT importer_id, country_of_origin, description FROM fact_item").to_pylist()[0]
    assert row == {"importer_id": "TIN-9", "country_of_origin": "CN", "description": None}


def test_jsonl_switches_to_the_exact_reader_midway_without_losing_a_row(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    typed = [
        {**native_row(i), "version": 1, "item_no": 1, "customs_value": 100.0 + i, "aeo": False}
        for i in range(1, 31)
    ]
    lines = [json.dumps({k: (v if v != "" else None) for k, v in row.items()}) for row in typed]
    lines[24] = '{"declaration_id": "broken'
    path = tmp_path / "typed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    settings = workspace.model_copy(
        update={"ingest": workspace.ingest.model_copy(update={"batch_rows": 10})}
    )
    report = ingest_file(wh, path, fmt="native", settings=settings)
    assert (report.rows_in, report.loaded, report.quarantined) == (30, 29, 1)
    assert [r["row"] for r in wh.quarantined(report.source_id).to_pylist()] == [25]
    values = (
        wh.sql("SELECT customs_value FROM fact_item ORDER BY customs_value").column(0).to_pylist()
    )
    assert values == [100.0 + i for i in range(1, 31) if i != 25]
    blank = tmp_path / "blank.jsonl"
    blank.write_text(lines[0] + "\n\n" + lines[1].replace('"CN"', '"XQ"') + "\n")
    second = ingest_file(wh, blank, fmt="native", settings=settings)
    assert {r["row"] for r in wh.quarantined(second.source_id).to_pylist()} == {3}


def test_malformed_values_are_quarantined_and_never_abort_the_batch(
    wh: DuckDBWarehouse, workspace: Settings, tmp_path: Path
) -> None:
    """Values that no SQL cast may accept quietly: each is a reason, the good row still loads."""
    rows = [
        native_row(1, hs_code="AB1234"),
        native_row(2, containers="CSQU3054383;"),
        native_row(3, containers="ABC"),
        native_row(4, item_no="1.5"),
        native_row(5, version="0"),
        native_row(6, customs_value="nan"),
        native_row(7, quantity="1e999"),
        native_row(8, control_outcome="no_finding", controlled_at="2026-13-01T00:00:00+00:00"),
        native_row(9),
    ]
    report = ingest_file(
        wh, write_csv(tmp_path / "malformed.csv", rows), fmt="native", settings=workspace
    )
    found = {(r["row"], r["field"]) for r in wh.quarantined(report.source_id).to_pylist()}
    assert found == {
        (2, "hs_code"),
        (3, "containers"),
        (4, "containers"),
        (5, "item_no"),
        (6, "version"),
        (7, "customs_value"),
        (8, "quantity"),
        (9, "controlled_at"),
    }
    assert (report.rows_in, report.loaded, report.quarantined) == (9, 1, 8)
