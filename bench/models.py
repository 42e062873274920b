"""Model benchmark: training time on N generated declaration rows and live scoring latency.

Usage: python bench/models.py [--rows 40000]; prints one JSON line with the figures and machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

from icrms.generator import generate
from icrms.ingest.flows import ingest_file
from icrms.models import service
from icrms.models.live import ModelScorer
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=40_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(home=Path(tmp))
        data = Path(tmp) / "d.csv"
        # DATE shape: every row labelled, so the training set has --rows rows
        generate(declarations=int(args.rows / 2.67), seed=1, out=data, fmt="date")
        with DuckDBWarehouse(settings.warehouse_path) as wh:
            ingest_file(wh, data, fmt="date", settings=settings)
            rows = wh.count("fact_item")
            started = time.perf_counter()
            version = service.train(wh, settings)
            train_s = time.perf_counter() - started
            decls = wh.sql(
                "SELECT * FROM fact_item WHERE declaration_id IN (SELECT declaration_id FROM "
                "fact_item GROUP BY 1 HAVING count(*) >= 5 LIMIT 200) ORDER BY 1, item_no"
            ).to_pylist()
        reg = service.registry(settings)
        scorer = ModelScorer(reg.load(version))
        groups: dict[str, list[dict]] = {}
        for r in decls:
            groups.setdefault(r["declaration_id"], []).append(r)
        for g in list(groups.values())[:5]:
            scorer.contribution(g)
        started = time.perf_counter()
        for g in groups.values():
            scorer.contribution(g)
        live_ms = (time.perf_counter() - started) / len(groups) * 1000
        items = sum(len(g) for g in groups.values()) / len(groups)
    print(
        json.dumps(
            {
                "bench": "models",
                "train_rows": rows,
                "train_seconds": round(train_s, 2),
                "live_ms_per_declaration": round(live_ms, 3),
                "items_per_declaration": round(items, 1),
                "machine": {
                    "cpu": platform.processor() or platform.machine(),
                    "cores": os.cpu_count(),
                    "python": platform.python_version(),
                    "load": os.getloadavg()[0],
                },
            }
        )
    )


if __name__ == "__main__":
    main()
