"""Model features and bulk scoring on DuckDB and on Spark local, from the same generated rows.

For each size: generate, ingest into both warehouses, then time on each the feature build
(label the items, the running-total views, the training rows with their history columns, the
history a model keeps) and the bulk scoring of every item with a model trained on DuckDB. The
scores are compared (they must be identical). Prints one JSON line.

Usage: python bench/models_spark.py [--declarations 1000 10000]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import machine

from icrms.generator import generate
from icrms.ingest.flows import ingest_file
from icrms.models import bulk, features, pipeline, service
from icrms.settings import Settings
from icrms.warehouse.base import Warehouse
from icrms.warehouse.duckdb import DuckDBWarehouse


def _features(wh: Warehouse) -> tuple[float, int]:
    started = time.perf_counter()
    pipeline.prepare(wh)
    _first, last = pipeline.window(wh)
    rows = len(pipeline.training_columns(wh, last)["declaration_id"])
    features.materialise(wh, last)
    return time.perf_counter() - started, rows


def run(declarations: int, folder: Path, spark: object) -> dict[str, object]:
    from icrms.warehouse.spark import SparkWarehouse

    data = folder / "declarations.parquet"
    generate(declarations=declarations, seed=1, out=data)
    settings = Settings(home=folder / "ws")
    out: dict[str, object] = {"declarations": declarations}
    scores = {}
    with DuckDBWarehouse(settings.warehouse_path) as wh:
        ingest_file(wh, data, fmt="native", settings=settings)
        out["duckdb_features_s"], out["item_rows"] = _features(wh)
        version = service.train(wh, settings, seed=0)
        artifact = service.registry(settings).load(version)
        started = time.perf_counter()
        scores["duckdb"] = bulk.bulk_contributions(
            wh, artifact, items_sql="SELECT * FROM fact_item"
        )
        out["duckdb_bulk_s"] = time.perf_counter() - started
    spark_home = Settings(home=folder / "spark-ws")
    with SparkWarehouse(folder / "spark", spark=spark) as wh:  # type: ignore[arg-type]
        ingest_file(wh, data, fmt="native", settings=spark_home)
        out["spark_features_s"], _rows = _features(wh)
        started = time.perf_counter()
        scores["spark"] = bulk.bulk_contributions(wh, artifact, items_sql="SELECT * FROM fact_item")
        out["spark_bulk_s"] = time.perf_counter() - started
    left, right = (scores[b].sort_by("declaration_id").to_pylist() for b in ("duckdb", "spark"))
    out["identical_scores"] = left == right
    for key in ("features", "bulk"):
        out[f"{key}_ratio"] = round(out[f"spark_{key}_s"] / out[f"duckdb_{key}_s"], 1)  # type: ignore[operator]
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--declarations", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    from icrms.warehouse.spark import build_session

    with tempfile.TemporaryDirectory() as tmp:
        spark = build_session(Path(tmp) / "spark-sql", master="local[2]")
        try:
            runs = [run(n, Path(tmp) / f"n{n}", spark) for n in args.declarations]
        finally:
            spark.stop()
    print(json.dumps({"bench": "models_spark", "machine": machine(), "runs": runs}))


if __name__ == "__main__":
    main()
