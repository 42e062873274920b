"""Mirror analysis and aggregate statistics on generated data with the partners' export side."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from icrms.declarations.fields import MIRROR_COLUMNS
from icrms.exchange import aggregates, mirror, mirror_one
from icrms.exchange.rates import generator_rates
from icrms.generator import generate
from icrms.generator.headers import Run
from icrms.generator.partner_exports import generate_partner_exports
from icrms.ingest.flows import ingest_file
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse

DECLARATIONS = 4000
SEED = 11


def rates() -> pa.Table:
    return generator_rates()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("mirror")
    generate(declarations=DECLARATIONS, seed=SEED, out=folder / "imports.parquet")
    exports = generate_partner_exports(
        DECLARATIONS, SEED, folder / "exports.parquet", countries=["CN", "VN", "DE"]
    )
    settings = Settings(home=folder)
    wh = DuckDBWarehouse(settings.warehouse_path)
    ingest_file(wh, folder / "imports.parquet", fmt="native", settings=settings)
    mirror.compute(wh, pq.read_table(exports.path), rates())
    yield wh, exports
    wh.close()


def test_the_partner_side_covers_its_countries_and_is_deterministic(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _wh, exports = world
    table = pq.read_table(exports.path)
    assert set(table.column("country_of_export").to_pylist()) <= {"CN", "VN", "DE"}
    again = generate_partner_exports(
        DECLARATIONS, SEED, tmp_path / "again.parquet", countries=["DE", "VN", "CN"]
    )
    assert pq.read_table(again.path).equals(table)
    with pytest.raises(ValueError, match="countries"):
        generate_partner_exports(10, 1, tmp_path / "x.parquet", countries=["ZZ"])


def test_every_export_matches_its_import_and_most_by_document(world) -> None:  # type: ignore[no-untyped-def]
    wh, exports = world
    summary = mirror.summary(wh)
    assert summary["partner_export_declarations"] == exports.export_declarations
    matched = sum(summary["matched"].values())
    assert matched == exports.export_declarations
    assert summary["matched"]["document"] > 0.85 * matched
    wrong = wh.sql(
        "SELECT count(*) AS n FROM mirror_item WHERE split_part(export_declaration_id, '-EX-', 2) <> split_part(declaration_id, '-', 3)"
    ).to_pylist()[0]["n"]
    assert wrong == 0  # the generator numbers both sides alike: every pair is the true one


def test_planted_fraud_shows_in_the_gaps(world) -> None:  # type: ignore[no-untyped-def]
    wh, _ = world
    run = Run.create(SEED, DECLARATIONS)
    undervaluers = {
        str(run.pools.importer_ids[i])
        for i in range(len(run.pools.undervaluer))
        if run.pools.undervaluer[i]
    }
    rows = wh.sql(
        """SELECT i.importer_id, m.mirror_value_ratio, m.mirror_hs6_mismatch, m.hs6, m.export_hs6
           FROM mirror_item m JOIN fact_item i USING (declaration_id, version, item_no)"""
    ).to_pylist()
    honest = sorted(r["mirror_value_ratio"] for r in rows if r["importer_id"] not in undervaluers)
    planted = sorted(r["mirror_value_ratio"] for r in rows if r["importer_id"] in undervaluers)
    assert 1.0 < honest[len(honest) // 2] < 1.3  # CIF over FOB
    # undervalued goods are declared at 0.45-0.85 of their value: below the honest band
    low = lambda ratios: sum(r < 0.9 for r in ratios) / len(ratios)  # noqa: E731
    assert low(planted) > 0.25 and low(honest) < 0.05, (low(planted), low(honest))
    mismatched = [r for r in rows if r["mirror_hs6_mismatch"]]
    assert mismatched and all(r["hs6"] != r["export_hs6"] for r in mismatched)
    gaps = mirror.largest_gaps(wh, top=10)
    assert len(gaps) == 10 and gaps[0]["shortfall_usd"] >= gaps[-1]["shortfall_usd"] > 0


def test_the_live_copy_matches_and_compares_exactly_as_the_sql(world) -> None:  # type: ignore[no-untyped-def]
    """Every generated import, given the export declarations the store lookup would find (same
    transport document, first container or parties): the Python copy gives the SQL's fields, to
    the bit, and NULL where the SQL has no row."""
    wh, exports = world
    bodies = mirror.export_objects(pq.read_table(exports.path))
    by_key: dict[tuple[str, object], list[dict[str, object]]] = defaultdict(list)
    for body in bodies:
        by_key["doc", body.get("transport_document")].append(body)
        by_key["box", (body.get("containers") or [None])[0]].append(body)
        by_key["parties", (body.get("consignee_id"), body.get("exporter_id"))].append(body)
    sql = {
        (r["declaration_id"], r["item_no"]): [r[c] for c in MIRROR_COLUMNS]
        for r in wh.sql(f"SELECT * FROM ({mirror.item_fields_sql()}) f").to_pylist()
    }
    rates = mirror_one.Rates(tuple(r.values()) for r in generator_rates().to_pylist())  # type: ignore[misc]
    declarations: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in wh.sql("SELECT * FROM fact_item ORDER BY declaration_id, item_no").to_pylist():
        declarations[row["declaration_id"]].append(row)
    compared, methods = 0, set()
    for rows in declarations.values():
        head = rows[0]
        keys = [
            ("doc", head["transport_document"]),
            ("box", (head["containers"] or "").split(";")[0]),
            ("parties", (head["importer_id"], head["seller_id"])),
        ]
        found = {id(b): b for k in keys for b in by_key.get(k, [])}
        candidates = [("?", b) for b in found.values()]
        for row in mirror_one.with_mirror_fields(rows, candidates, rates):
            want = sql.get((row["declaration_id"], row["item_no"]), [None] * len(MIRROR_COLUMNS))
            assert [row[c] for c in MIRROR_COLUMNS] == want, row["declaration_id"]
            compared += want[0] is not None
        best = mirror_one.best_match(rows, candidates)
        if best is not None:
            methods.add(mirror_one._rank(rows, best[1], best[1]["exported_at"]))  # type: ignore[arg-type]
    assert compared > 1000 and methods == {1, 2, 3}


def test_aggregate_cells_respect_the_minimum_and_add_up(world) -> None:  # type: ignore[no-untyped-def]
    wh, _ = world
    cells = aggregates.compute_cells(
        wh, date_from=date(2025, 1, 1), date_to=date(2025, 12, 31), min_cell=15, rates=rates()
    )
    assert cells and all(c["declarations"] >= 15 for c in cells)
    assert all(0 <= c["irregularities"] <= c["controls"] <= c["declarations"] for c in cells)
    assert not any(k in c for c in cells for k in ("importer_id", "declarant_id", "seller_id"))
    one = cells[0]
    n = wh.sql(
        f"""SELECT count(DISTINCT declaration_id) AS n FROM fact_item WHERE hs6 = '{one["hs6"]}'
            AND country_of_origin = '{one["country_of_origin"]}' AND strftime(lodged_date, '%Y-%m') = '{one["period"]}'"""
    ).to_pylist()[0]["n"]
    assert n == one["declarations"]
    everything = aggregates.compute_cells(
        wh, date_from=date(2025, 1, 1), date_to=date(2025, 12, 31), min_cell=1, rates=rates()
    )
    assert len(everything) > len(cells)
    theirs = pa.Table.from_pylist([{**c, "issuer": "XB"} for c in cells], schema=aggregates.CELLS)
    rows = aggregates.side_by_side(everything, theirs, top=10_000)
    shared = [r for r in rows if "XB" in r["partners"]]
    assert shared and all(
        r["ours"]["declarations"] >= r["partners"]["XB"]["declarations"] for r in shared
    )
