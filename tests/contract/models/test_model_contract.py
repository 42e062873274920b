"""Model features and bulk scores: the same on DuckDB and Spark, from the same rows.

A model is trained on 3,000 generated declarations (DuckDB). The earliest 50 controlled and 50
uncontrolled declarations and the 20 the model scores highest (items and control results) are
loaded into a small DuckDB and a small Spark warehouse; both build the training features and the
history a model keeps, and both score the items with the model.

Counts, days, keys and text must be equal. Floats that are sums of non-integers (revenue, the
decayed label weights) may differ by summation order, and logarithms (unit value, quantity per
kg, and the reference quartiles over them) by the last bit of each engine's ``ln``: those are
compared to a relative 1e-12. Bulk scores and reasons must be identical: scoring only joins the
model's stored history, and the trees run in Python on both.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from icrms.generator import generate
from icrms.ingest.flows import ingest_file
from icrms.models import bulk, features, pipeline, service
from icrms.models.live import ModelScorer
from icrms.models.registry import Artifact
from icrms.selectivity.bulk import bulk_assess, reasons_of
from icrms.settings import Settings
from icrms.warehouse.base import LoadBatch, Warehouse
from icrms.warehouse.duckdb import DuckDBWarehouse
from tests.selectivity_cases import live_decisions, snapshot, without_nulls

DECLARATIONS = 3_000
EARLIEST = 50  # controlled and as many uncontrolled declarations in both small warehouses
RISKIEST = 20  # and the declarations the model scores highest
# history columns that are counts or day numbers: exact on both engines
EXACT_STATS = {"n", "c", "f", "first", "m"}
TOLERANCE = 1e-12
LOGS = ("luv", "lqpk")  # item columns computed with ln in SQL


@dataclass(frozen=True)
class Rows:
    items: pa.Table
    controls: pa.Table
    artifact: Artifact


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> Rows:
    """A model trained on DuckDB, and the rows of the declarations both warehouses load."""
    folder = tmp_path_factory.mktemp("model-contract")
    data = folder / "declarations.parquet"
    generate(declarations=DECLARATIONS, seed=3, out=data)
    settings = Settings(home=folder / "ws")
    with DuckDBWarehouse(settings.warehouse_path) as wh:
        ingest_file(wh, data, fmt="native", settings=settings)
        version = service.train(wh, settings, seed=0)
        artifact = service.registry(settings).load(version)
        scored = bulk.bulk_contributions(wh, artifact, items_sql="SELECT * FROM fact_item")
        riskiest = scored.sort_by([("probability", "descending")]).slice(0, RISKIEST)
        wh.register("riskiest", riskiest.select(["declaration_id"]))
        # the earliest controlled (labels to count) and uncontrolled declarations, and the
        # riskiest (decisions the model explains)
        chosen = f"""SELECT declaration_id FROM (
            SELECT DISTINCT i.declaration_id, c.declaration_id IS NOT NULL AS controlled
            FROM fact_item i LEFT JOIN fact_control c USING (declaration_id, version))
            QUALIFY row_number() OVER (PARTITION BY controlled ORDER BY declaration_id)
                <= {EARLIEST}
            UNION SELECT declaration_id FROM riskiest"""
        items = wh.sql(f"SELECT * FROM fact_item WHERE declaration_id IN ({chosen})")
        controls = wh.sql(f"SELECT * FROM fact_control WHERE declaration_id IN ({chosen})")
    assert controls.num_rows > 20  # labels to count
    return Rows(items, controls, artifact)


def _spark(spark_session: object, path: Path) -> Warehouse:
    from icrms.warehouse.spark import SparkWarehouse

    return SparkWarehouse(path, spark=spark_session)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def pair(
    rows: Rows, spark_session: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Warehouse, Warehouse]]:
    folder = tmp_path_factory.mktemp("model-contract-pair")
    left = DuckDBWarehouse(folder / "w.duckdb")
    right = _spark(spark_session, folder / "spark")
    for wh in (left, right):
        wh.load(LoadBatch(rows.items, rows.controls))
    yield left, right
    left.close()
    right.close()


def _same_column(name: str, a: np.ndarray, b: np.ndarray) -> list[str]:
    if a.dtype == object:
        return [] if list(a) == list(b) else [f"{name}: {a[a != b][:3]} vs {b[a != b][:3]}"]
    if np.array_equal(a, b, equal_nan=True):
        return []
    stat = name.rsplit("__", 1)[-1] if "__" in name else None
    exact = stat in EXACT_STATS if stat else name not in LOGS
    close = np.isclose(a, b, rtol=0 if exact else TOLERANCE, atol=0, equal_nan=True)
    return [] if close.all() else [f"{name}: {a[~close][:3]} vs {b[~close][:3]}"]


def _same_table(name: str, a: pa.Table, b: pa.Table) -> list[str]:
    if a.column_names != b.column_names or a.num_rows != b.num_rows:
        return [f"{name}: {a.column_names} {a.num_rows} vs {b.column_names} {b.num_rows}"]
    found = []
    for col in a.column_names:
        x, y = a.column(col).to_pylist(), b.column(col).to_pylist()
        exact = col in EXACT_STATS or not isinstance(x[0], float)
        for u, v in zip(x, y, strict=True):
            if u != v and not (
                not exact
                and u is not None
                and v is not None
                and math.isclose(u, v, rel_tol=TOLERANCE, abs_tol=0)
            ):
                found.append(f"{name}.{col}: {u} vs {v}")
                break
    return found


@pytest.mark.spark
def test_features_and_history_agree(pair: tuple[Warehouse, Warehouse]) -> None:
    built = []
    for wh in pair:
        pipeline.prepare(wh)
        _first, last = pipeline.window(wh)
        cutoff = _first + (last - _first) / 2
        built.append((pipeline.training_columns(wh, last), features.materialise(wh, cutoff), last))
    (cols_d, hist_d, last_d), (cols_s, hist_s, last_s) = built
    assert last_d == last_s
    assert sorted(cols_d) == sorted(cols_s)
    assert len(cols_d["declaration_id"]) == sum(1 for _ in cols_s["declaration_id"]) > 300
    problems = [p for name in cols_d for p in _same_column(name, cols_d[name], cols_s[name])]
    assert problems == []
    assert sorted(hist_d) == sorted(hist_s)
    problems = [p for name in hist_d for p in _same_table(name, hist_d[name], hist_s[name])]
    assert problems == []
    # the history is not empty: labels and irregularities were counted on both
    importer = hist_s["e_importer"]
    assert sum(importer.column("c").to_pylist()) > 10
    assert sum(importer.column("f").to_pylist()) > 0


@pytest.mark.spark
def test_bulk_scores_are_identical(rows: Rows, pair: tuple[Warehouse, Warehouse]) -> None:
    left, right = (
        bulk.bulk_contributions(wh, rows.artifact, items_sql="SELECT * FROM fact_item").sort_by(
            "declaration_id"
        )
        for wh in pair
    )
    assert left.num_rows == len(set(rows.items.column("declaration_id").to_pylist())) >= 100
    assert left.to_pylist() == right.to_pylist()
    channels = left.column("min_channel").to_pylist()
    assert {"green", "yellow", "red"} <= set(channels), channels  # yellow and red are explained


@pytest.mark.spark
def test_bulk_assessment_with_the_model_alone_agrees(
    rows: Rows, pair: tuple[Warehouse, Warehouse]
) -> None:
    """The model and no active profile (a workspace's first state): both engines decide as live."""
    snap = replace(snapshot(rows.items, scorer=ModelScorer(rows.artifact)), profiles=[])
    live = live_decisions(snap, rows.items)
    for wh in pair:
        result = bulk_assess(wh, snap, items_sql="SELECT * FROM fact_item")
        got = {
            (r["declaration_id"], r["version"]): (r["channel"], r["score"], without_nulls(reasons))
            for r, reasons in zip(result.to_pylist(), reasons_of(result), strict=True)
        }
        expected = {
            k: (v["channel"], v["score"], without_nulls(v["reasons"])) for k, v in live.items()
        }
        assert got == expected, wh.backend
    assert any(r["kind"] == "model" and r["score"] > 0 for v in live.values() for r in v["reasons"])
