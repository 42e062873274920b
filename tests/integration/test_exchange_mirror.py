"""Mirror analysis and aggregate statistics on generated data with the partners' export side."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from icrms.exchange import aggregates, mirror
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
