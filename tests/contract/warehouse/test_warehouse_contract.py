"""The Warehouse contract: every backend loads idempotently and answers the same ibis queries."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import ibis
import ibis.common.exceptions as com
import pyarrow as pa
import pycountry
import pytest

from icrms.warehouse.base import ROUTE_KEY, LoadBatch, LoadResult, Warehouse
from icrms.warehouse.reference import hs_titles
from icrms.warehouse.schema import KEYS, TABLES
from tests.contract.warehouse import rows
from tests.contract.warehouse.conftest import Loaded, Opener

DIMENSIONS = ("dim_date", "dim_trader", "dim_hs", "dim_country", "dim_office", "dim_route")


def read(warehouse: Warehouse, name: str) -> list[dict[str, object]]:
    """All rows of a table, ordered by its key."""
    order = list(KEYS.get(name, TABLES[name].names))
    return warehouse.table(name).order_by(order).to_pyarrow().to_pylist()


def by_key(table: pa.Table, name: str) -> list[dict[str, object]]:
    """Rows of an Arrow table in key order, as the warehouse returns them."""
    return sorted(table.to_pylist(), key=lambda r: tuple(r[k] for k in KEYS[name]))


def counts(warehouse: Warehouse) -> dict[str, int]:
    """Row count of every table."""
    return {name: warehouse.count(name) for name in TABLES}


def star_query(warehouse: Warehouse) -> list[dict[str, object]]:
    """Customs value and items per country of origin, through the country dimension."""
    item, country = warehouse.table("fact_item"), warehouse.table("dim_country")
    joined = item.join(country, item.country_of_origin == country.country_code)
    result = joined.group_by(country.name).aggregate(
        total=joined.customs_value.sum(), items=joined.count()
    )
    return result.order_by("name").to_pyarrow().to_pylist()


def hits_query(warehouse: Warehouse) -> list[dict[str, object]]:
    """Controls and hits (any finding) per HS chapter of the controlled item."""
    item, control = warehouse.table("fact_item"), warehouse.table("fact_control")
    joined = control.join(item, ["declaration_id", "version", "item_no"])
    result = joined.group_by(joined.hs2).aggregate(
        controls=joined.count(), hits=(joined.outcome != "no_finding").sum()
    )
    return result.order_by("hs2").to_pyarrow().to_pylist()


def python_star(items: pa.Table) -> list[dict[str, object]]:
    total: dict[str, float] = defaultdict(float)
    n: Counter[str] = Counter()
    for item in items.to_pylist():
        code = item["country_of_origin"]
        name = "Unknown" if code == "ZZ" else pycountry.countries.get(alpha_2=code).name
        total[name] += item["customs_value"]
        n[name] += 1
    return [{"name": k, "total": total[k], "items": n[k]} for k in sorted(total)]


def python_hits(items: pa.Table, controls: pa.Table) -> list[dict[str, object]]:
    chapter = {
        (r["declaration_id"], r["version"], r["item_no"]): r["hs2"] for r in items.to_pylist()
    }
    n: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for c in controls.to_pylist():
        hs2 = chapter[(c["declaration_id"], c["version"], c["item_no"])]
        n[hs2] += 1
        hits[hs2] += c["outcome"] != "no_finding"
    return [{"hs2": k, "controls": n[k], "hits": hits[k]} for k in sorted(n)]


# --- read-only checks on the standard data set -----------------------------------------------


def test_load_reports_new_rows_and_counts(loaded: Loaded) -> None:
    assert loaded.result == LoadResult(new_items=60, new_controls=20)
    assert loaded.warehouse.count("fact_item") == 60
    assert loaded.warehouse.count("fact_control") == 20


def test_every_table_has_the_declared_types(loaded: Loaded) -> None:
    for name, schema in TABLES.items():
        table = loaded.warehouse.table(name)
        assert table.schema() == ibis.Schema.from_pyarrow(schema), name
        assert table.limit(3).to_pyarrow().schema.equals(schema), name


def test_facts_round_trip_exactly(loaded: Loaded) -> None:
    assert read(loaded.warehouse, "fact_item") == by_key(loaded.items, "fact_item")
    assert read(loaded.warehouse, "fact_control") == by_key(loaded.controls, "fact_control")


def test_timestamps_and_dates_round_trip_in_utc(loaded: Loaded) -> None:
    got = read(loaded.warehouse, "fact_item")
    expected = by_key(loaded.items, "fact_item")
    assert all(r["lodged_at"].utcoffset() == timedelta(0) for r in got)
    assert [r["lodged_at"] for r in got] == [r["lodged_at"] for r in expected]
    assert [r["lodged_date"] for r in got] == [r["lodged_date"] for r in expected]
    assert got[0]["lodged_at"] == datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)
    assert got[0]["lodged_date"] == date(2024, 2, 29)

    t = loaded.warehouse.table("fact_item")
    # The same instant written in Seoul time: literals must be compared as instants.
    seoul = datetime(2024, 3, 1, 8, 59, 59, 999999, tzinfo=ZoneInfo("Asia/Seoul"))
    assert t.filter(t.lodged_at == seoul).count().execute() == sum(
        r["lodged_at"] == seoul for r in expected
    )
    assert t.filter(t.lodged_at >= datetime(2024, 7, 1, tzinfo=UTC)).count().execute() == sum(
        r["lodged_at"] >= datetime(2024, 7, 1, tzinfo=UTC) for r in expected
    )
    assert t.filter(t.lodged_date == date(2024, 12, 30)).count().execute() == sum(
        r["lodged_date"] == date(2024, 12, 30) for r in expected
    )


def test_nulls_are_preserved(loaded: Loaded) -> None:
    t = loaded.warehouse.table("fact_item")
    nulls = (
        t.aggregate(
            courier=t.courier_id.isnull().sum(),
            description=t.description.isnull().sum(),
            unit_value=t.unit_value.isnull().sum(),
            aeo=t.aeo.isnull().sum(),
            import_use=t.import_use.isnull().sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    items = loaded.items.to_pylist()
    assert nulls == {
        "courier": sum(r["courier_id"] is None for r in items),
        "description": sum(r["description"] is None for r in items),
        "unit_value": sum(r["unit_value"] is None for r in items),
        "aeo": sum(r["aeo"] is None for r in items),
        "import_use": 60,
    }
    assert 0 < nulls["courier"] < 60 and 0 < nulls["unit_value"] < 60


def test_dim_date_has_one_row_per_date_with_calendar_parts(loaded: Loaded) -> None:
    days = sorted({r["lodged_date"] for r in loaded.items.to_pylist()})
    assert read(loaded.warehouse, "dim_date") == [
        {
            "date_key": rows.date_key(d),
            "date": d,
            "year": d.year,
            "quarter": (d.month - 1) // 3 + 1,
            "month": d.month,
            "iso_week": d.isocalendar().week,
            "day_of_week": d.isoweekday(),
        }
        for d in days
    ]
    # 2024-12-30 is a Monday in ISO week 1 of 2025, but its year stays 2024.
    dec30 = next(r for r in read(loaded.warehouse, "dim_date") if r["date_key"] == 20241230)
    assert (dec30["year"], dec30["quarter"], dec30["iso_week"], dec30["day_of_week"]) == (
        2024,
        4,
        1,
        1,
    )


def test_dimensions_hold_the_members_the_facts_refer_to(loaded: Loaded) -> None:
    items = loaded.items.to_pylist()
    assert read(loaded.warehouse, "dim_hs") == [
        {"hs6": h6, "hs4": h4, "hs2": h2, **hs_titles(h6)}
        for h6, h4, h2 in sorted({(r["hs6"], r["hs4"], r["hs2"]) for r in items})
    ]
    assert read(loaded.warehouse, "dim_office") == [
        {"office_code": "0042"},
        {"office_code": "0204"},
    ]
    roles = {"importer_id": "importer", "declarant_id": "declarant", "seller_id": "seller"}
    roles["courier_id"] = "courier"
    expected_traders = sorted(
        {(r[col], role) for r in items for col, role in roles.items() if r[col] is not None}
    )
    assert read(loaded.warehouse, "dim_trader") == [
        {"trader_id": t, "role": role} for t, role in expected_traders
    ]
    assert ("EXP-01", "courier") in expected_traders


def test_hs_dimension_carries_section_chapter_and_heading_titles(loaded: Loaded) -> None:
    hs = {r["hs6"]: r for r in read(loaded.warehouse, "dim_hs")}
    assert hs["851713"]["section"] == "XVI"
    assert hs["851713"]["chapter_title"].startswith("Electrical machinery")
    assert hs["851713"]["heading_title"] == "Telephone sets, including smartphones"
    assert hs["610910"]["section_title"] == "Textiles and textile articles"


def test_route_dimension_names_departure_office_and_mode(loaded: Loaded) -> None:
    routes = read(loaded.warehouse, "dim_route")
    items = loaded.items.to_pylist()
    expected = {(r["country_of_export"], r["office_code"], r["transport_mode"]) for r in items}
    assert {(r["country_of_export"], r["office_code"], r["transport_mode"]) for r in routes} == (
        expected
    )
    assert {r["route"] for r in routes} == {f"{e}-{o}-{m}" for e, o, m in expected}
    assert {r["mode_name"] for r in routes} == {"maritime", "air"}
    assert "office_code" in ROUTE_KEY


def test_control_dimensions_hold_types_and_seizure_details(loaded: Loaded) -> None:
    types = read(loaded.warehouse, "dim_irregularity")
    assert [t["irregularity_type"] for t in types] == ["undervaluation"]
    assert types[0]["description"].startswith("customs value declared below")


def test_country_dimension_names_come_from_iso_3166(loaded: Loaded) -> None:
    names = {r["country_code"]: r["name"] for r in read(loaded.warehouse, "dim_country")}
    assert set(names) == set(rows.ORIGINS) | set(rows.EXPORTS)
    assert names["CN"] == "China"
    assert names["DE"] == "Germany"
    assert names["KR"] == "Korea, Republic of"
    assert names["ZZ"] == "Unknown"


def test_star_schema_query_matches_python(loaded: Loaded) -> None:
    got = star_query(loaded.warehouse)
    expected = python_star(loaded.items)
    assert [(r["name"], r["items"]) for r in got] == [(r["name"], r["items"]) for r in expected]
    assert [r["total"] for r in got] == pytest.approx([r["total"] for r in expected], abs=1e-9)
    assert {r["name"] for r in got} >= {"China", "Viet Nam", "Unknown"}


def test_control_hits_per_chapter_match_python(loaded: Loaded) -> None:
    got = hits_query(loaded.warehouse)
    assert got == python_hits(loaded.items, loaded.controls)
    assert sum(r["hits"] for r in got) > 0


@pytest.mark.spark
def test_backends_give_the_same_answers(loaded_duckdb: Loaded, loaded_spark: Loaded) -> None:
    duck, spark = loaded_duckdb.warehouse, loaded_spark.warehouse
    assert star_query(spark) == star_query(duck)
    assert hits_query(spark) == hits_query(duck)
    for name in ("fact_item", "fact_control", *DIMENSIONS):
        assert read(spark, name) == read(duck, name), name


# --- loads into a fresh warehouse --------------------------------------------------------------


def test_unknown_table_is_not_found(warehouse: Warehouse) -> None:
    with pytest.raises(com.TableNotFound):
        warehouse.table("fact_nothing")


def test_reloading_a_batch_adds_nothing(warehouse: Warehouse) -> None:
    items = rows.items(0, 18)
    batch = LoadBatch(items=items, controls=rows.controls(items))
    assert warehouse.load(batch) == LoadResult(new_items=18, new_controls=6)
    before = counts(warehouse)
    assert warehouse.load(batch) == LoadResult(new_items=0, new_controls=0)
    assert counts(warehouse) == before
    assert read(warehouse, "fact_item") == by_key(items, "fact_item")


def test_overlapping_batch_adds_only_new_keys(warehouse: Warehouse) -> None:
    first = rows.items(0, 24)
    warehouse.load(LoadBatch(items=first, controls=rows.controls(first)))
    # Items 12..35: 12 known (sent again with other values), 12 new, plus 3 amendments (version 2).
    second = rows.items(12, 24)
    second = second.set_column(
        second.schema.get_field_index("customs_value"),
        "customs_value",
        pa.array([9999.0] * second.num_rows),
    )
    amendments = rows.items(0, 3, version=2)
    result = warehouse.load(
        LoadBatch(
            items=pa.concat_tables([second, amendments]),
            controls=pa.concat_tables([rows.controls(second), rows.controls(amendments)]),
        )
    )
    assert result == LoadResult(new_items=15, new_controls=5)
    assert warehouse.count("fact_item") == 39
    assert warehouse.count("fact_control") == 13
    stored = {
        (r["declaration_id"], r["version"], r["item_no"]): r for r in read(warehouse, "fact_item")
    }
    for old in first.to_pylist():  # the first write wins
        key = (old["declaration_id"], old["version"], old["item_no"])
        assert stored[key]["customs_value"] == old["customs_value"]
    for name in DIMENSIONS:  # dimension members are never duplicated
        keys = [tuple(r[k] for k in KEYS[name]) for r in read(warehouse, name)]
        assert len(keys) == len(set(keys)), name
    assert warehouse.count("dim_date") == len({r["date_key"] for r in read(warehouse, "fact_item")})


def test_committed_batches_and_etl_position(warehouse: Warehouse) -> None:
    assert warehouse.committed_batches("kcs") == {}
    assert warehouse.etl_position("items") == 0
    committed_at = datetime(2024, 3, 2, 0, 14, 0, 500, tzinfo=UTC)
    meta = {"source_id": "kcs", "file": "kcs-1.csv", "format": "kcs", "committed_at": committed_at}
    first = rows.items(0, 12)
    warehouse.load(
        LoadBatch(
            items=first,
            controls=rows.controls(first),
            ingest_batch={**meta, "batch_no": 1, "rows_in": 13, "valid": 12, "quarantined": 1},
            etl_state=("items", 12),
        )
    )
    second = rows.items(6, 12)
    warehouse.load(
        LoadBatch(
            items=second,
            controls=rows.controls(second),
            ingest_batch={**meta, "batch_no": 2, "rows_in": 12, "valid": 12, "quarantined": 0},
            etl_state=("items", 18),
        )
    )
    batches = warehouse.committed_batches("kcs")
    assert set(batches) == {1, 2}
    assert batches[1] == {
        **meta,
        "batch_no": 1,
        "rows_in": 13,
        "valid": 12,
        "new": 12,
        "quarantined": 1,
    }
    assert batches[2]["new"] == 6
    assert warehouse.committed_batches("other") == {}
    assert warehouse.etl_position("items") == 18
    assert warehouse.etl_position("controls") == 0

    # A redone batch keeps its first bookkeeping row; etl_state is replaced per name.
    empty = LoadBatch(
        items=TABLES["fact_item"].empty_table(), controls=TABLES["fact_control"].empty_table()
    )
    warehouse.load(LoadBatch(first, rows.controls(first), ingest_batch={**meta, "batch_no": 1}))
    warehouse.load(LoadBatch(empty.items, empty.controls, etl_state=("controls", 4)))
    warehouse.load(LoadBatch(empty.items, empty.controls, etl_state=("items", 3)))
    assert warehouse.committed_batches("kcs")[1]["new"] == 12
    assert warehouse.count("ingest_batch") == 2
    assert (warehouse.etl_position("items"), warehouse.etl_position("controls")) == (3, 4)
    assert warehouse.count("etl_state") == 2


def test_quarantined_rows_come_back_in_row_order(warehouse: Warehouse) -> None:
    wanted = [(100, "hs_code"), (2, "lodged_at"), (10, None), (5, "lodged_at"), (5, "hs_code")]
    items = rows.items(0, 3)
    batch = LoadBatch(
        items=items,
        controls=rows.controls(items),
        quarantine=pa.concat_tables(
            [rows.quarantine("kcs", wanted), rows.quarantine("other", [(1, "hs_code")])]
        ),
    )
    warehouse.load(batch)
    got = warehouse.quarantined("kcs")
    assert got.schema.equals(TABLES["quarantine"])
    assert [(r["row"], r["field"]) for r in got.to_pylist()] == [
        (2, "lodged_at"),
        (5, "hs_code"),
        (5, "lodged_at"),
        (10, None),
        (100, "hs_code"),
    ]
    assert got.to_pylist()[0]["raw"] == '2,"Ünïcødé, quoted",lodged_at'
    assert warehouse.quarantined("other").num_rows == 1
    assert warehouse.quarantined("nobody").num_rows == 0
    warehouse.load(
        LoadBatch(
            items=items,
            controls=rows.controls(items),
            quarantine=rows.quarantine("other", [(1, "hs_code")]),
        )
    )
    assert warehouse.quarantined("other").num_rows == 1


def test_failed_load_is_redone_exactly_once(warehouse: Warehouse) -> None:
    items = rows.items(0, 15)
    batch = LoadBatch(
        items=items,
        controls=rows.controls(items),
        ingest_batch={"source_id": "kcs", "batch_no": 7},
    )
    insert = warehouse._insert_new

    def crash_on_dimensions(name: str, new_rows: pa.Table) -> int:
        if name == "dim_hs":
            raise RuntimeError("simulated crash")
        return insert(name, new_rows)

    warehouse._insert_new = crash_on_dimensions  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="simulated crash"):
        warehouse.load(batch)
    del warehouse._insert_new
    assert warehouse.committed_batches("kcs") == {}  # so ingest redoes the batch
    warehouse.load(batch)
    assert warehouse.count("fact_item") == 15
    assert warehouse.count("fact_control") == 5
    assert warehouse.count("dim_hs") == len({r["hs6"] for r in items.to_pylist()})
    assert warehouse.count("ingest_batch") == 1
    assert read(warehouse, "fact_item") == by_key(items, "fact_item")


def test_data_survives_close_and_reopen(warehouse_factory: Opener, tmp_path: Path) -> None:
    items = rows.items(0, 9)
    batch = LoadBatch(items=items, controls=rows.controls(items), etl_state=("items", 9))
    first = warehouse_factory(tmp_path)
    first.load(batch)
    before = counts(first)
    first.close()
    again = warehouse_factory(tmp_path)
    assert counts(again) == before
    assert again.etl_position("items") == 9
    assert again.load(batch) == LoadResult(new_items=0, new_controls=0)
    assert read(again, "fact_item") == by_key(items, "fact_item")


def test_items_without_optional_columns_load(warehouse: Warehouse) -> None:
    """Missing optional columns are NULL, in the fact and in the dimensions built from it."""
    full = rows.items(0, 6)
    required = ["declaration_id", "version", "item_no", "lodged_at", "lodged_date", "date_key"]
    slim = full.select([*required, "hs6", "hs4", "hs2", "office_code", "importer_id"])
    result = warehouse.load(LoadBatch(items=slim, controls=TABLES["fact_control"].empty_table()))
    assert result == LoadResult(new_items=6, new_controls=0)
    assert {r["role"] for r in read(warehouse, "dim_trader")} == {"importer"}
    assert warehouse.count("dim_country") == 0
    assert all(r["customs_value"] is None for r in read(warehouse, "fact_item"))


def test_duckdb_file_held_by_another_process_is_a_clear_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    from icrms.warehouse.duckdb import DuckDBWarehouse

    path = tmp_path / "held.duckdb"
    with DuckDBWarehouse(path):
        code = f"from pathlib import Path; from icrms.warehouse.duckdb import DuckDBWarehouse; DuckDBWarehouse(Path({str(path)!r}))"
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        )
    assert (
        result.returncode != 0
        and "WarehouseBusyError" in result.stderr
        and "one writer" in result.stderr
    )
