"""Ingest benchmark: 1M generated item rows from CSV and from Parquet, validated, into DuckDB.

Prints one JSON line: rows, seconds and rows/s per file type (median of --repeat runs, each
into a fresh warehouse), and the machine. Usage: python bench/ingest.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from icrms.generator import generate
from icrms.ingest.flows import ingest_file
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
    }


def make_file(folder: Path, rows: int, suffix: str) -> tuple[Path, int]:
    """Generate at least ``rows`` item rows (declarations average about 2.5 items)."""
    path = folder / f"declarations{suffix}"
    result = generate(declarations=max(rows * 2 // 5, 1), seed=1, out=path, fmt="native")
    return path, result.rows


def run(path: Path, folder: Path, attempt: int) -> tuple[int, float]:
    settings = Settings(home=folder / f"ws-{path.suffix[1:]}-{attempt}")
    settings.ensure_home()
    with DuckDBWarehouse(settings.warehouse_path) as wh:
        started = time.perf_counter()
        report = ingest_file(wh, path, fmt="native", settings=settings)
        seconds = time.perf_counter() - started
    assert report.rows_in == report.loaded + report.quarantined
    return report.rows_in, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    out: dict[str, object] = {"benchmark": "ingest", "machine": machine()}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for suffix in (".csv", ".parquet"):
            path, rows = make_file(folder, args.rows, suffix)
            times = [run(path, folder, i)[1] for i in range(args.repeat)]
            median = statistics.median(times)
            out[suffix[1:]] = {
                "rows": rows,
                "bytes": path.stat().st_size,
                "seconds_median": round(median, 3),
                "seconds_all": [round(t, 3) for t in times],
                "rows_per_second": round(rows / median),
            }
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
