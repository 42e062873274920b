"""The summaries a DuckDB warehouse keeps equal their definition however the facts arrive.

The facts of a generated data set (with assessment reasons) are loaded into a fresh warehouse
in random pieces and a random order: controls before their declarations, reasons before the
controls, items last. After every load the kept tables must hold exactly the rows of the
summary SELECT run afresh over the facts loaded so far. On Spark the summaries are that SELECT
(views); the KPI contract suite compares the two engines on the ingest flow.
"""

from __future__ import annotations

import random
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from icrms.generator import generate
from icrms.ingest.flows import ingest_file
from icrms.settings import Settings
from icrms.warehouse.base import LoadBatch
from icrms.warehouse.duckdb import DuckDBWarehouse
from icrms.warehouse.schema import FACT_CONTROL, FACT_ITEM
from icrms.warehouse.summaries import SUMMARIES, summary_sql
from tests.contract.kpis.conftest import assessments

FACTS = ("fact_item", "fact_control", "fact_declaration", "fact_assessment_reason")


@pytest.fixture(scope="module")
def facts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pa.Table]:
    folder = tmp_path_factory.mktemp("summaries")
    generate(800, 5, folder / "d.parquet")
    with DuckDBWarehouse(folder / "w.duckdb") as wh:
        ingest_file(wh, folder / "d.parquet", fmt="native", settings=Settings(home=folder))
        _, reasons = assessments(wh)
        loaded = {name: wh.sql(f"SELECT * FROM {name}") for name in FACTS[:3]}
    assert loaded["fact_control"].num_rows > 30
    return {**loaded, "fact_assessment_reason": reasons}


def kept(wh: DuckDBWarehouse, name: str) -> list[tuple[object, ...]]:
    return sorted(wh.con.execute(f"SELECT * FROM {name}").fetchall(), key=repr)


def afresh(wh: DuckDBWarehouse, name: str) -> list[tuple[object, ...]]:
    return sorted(wh.con.execute(summary_sql(name)).fetchall(), key=repr)


def batch(name: str, rows: pa.Table) -> LoadBatch:
    return LoadBatch(
        rows if name == "fact_item" else FACT_ITEM.empty_table(),
        rows if name == "fact_control" else FACT_CONTROL.empty_table(),
        declarations=rows if name == "fact_declaration" else None,
        assessment_reasons=rows if name == "fact_assessment_reason" else None,
    )


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), pieces=st.integers(1, 4))
def test_kept_summaries_equal_their_definition_whatever_the_order_of_loads(
    facts: dict[str, pa.Table], tmp_path_factory: pytest.TempPathFactory, seed: int, pieces: int
) -> None:
    rng = random.Random(seed)
    loads = []
    for name, table in facts.items():
        order = list(range(table.num_rows))
        rng.shuffle(order)
        shuffled = table.take(order)
        cuts = sorted(rng.sample(range(1, table.num_rows), pieces - 1))
        bounds = list(zip([0, *cuts], [*cuts, table.num_rows], strict=True))
        loads += [(name, shuffled.slice(a, b - a)) for a, b in bounds]
    rng.shuffle(loads)
    with DuckDBWarehouse(tmp_path_factory.mktemp("order") / "w.duckdb") as wh:
        for name, rows in loads:
            wh.load(batch(name, rows))
            for summary in SUMMARIES:
                assert kept(wh, summary) == afresh(wh, summary), (summary, name)
        assert len(kept(wh, "fact_controlled_declaration")) > 30


def test_a_summary_from_another_definition_or_none_is_rebuilt_on_opening(
    facts: dict[str, pa.Table], tmp_path: Path
) -> None:
    path = tmp_path / "w.duckdb"
    with DuckDBWarehouse(path) as wh:
        for name, rows in facts.items():
            wh.load(batch(name, rows))
        expected = {s: kept(wh, s) for s in SUMMARIES}
        # as a file made by an older release: one summary from another definition, one missing
        wh.execute("DELETE FROM fact_controlled_declaration WHERE hit = 1")
        wh.execute(
            "UPDATE summary_state SET definition = 'older' "
            "WHERE name = 'fact_controlled_declaration'"
        )
        wh.execute("DROP TABLE fact_controlled_goods")
    with DuckDBWarehouse(path) as wh:
        assert {s: kept(wh, s) for s in SUMMARIES} == expected
