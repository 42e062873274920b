"""The model against the oracle ranking on generated data, over seeds and sizes.

For each size and generator seed: ``icrms generate`` a DATE-shaped file (with its oracle file),
``icrms evaluate --runs 1`` on it (split by date 60/20/20), and keep the oracle figures and the
model's and the DATE baseline's ratios to them. Prints one JSON line: per size, every run and the
mean and spread (population standard deviation) over seeds; each run also goes to stderr as it
ends.

Usage: python bench/models_oracle.py [--sizes 10000 100000] [--seeds 1 2 3] [--format date]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from icrms.generator import generate
from icrms.models.evaluate import evaluate

KEYS = ("precision@1", "precision@5", "precision@10", "revenue@1", "revenue@5", "revenue@10")


def _one(folder: Path, size: int, seed: int, fmt: str) -> dict[str, Any]:
    data = folder / f"g{size}-{seed}.{'csv' if fmt == 'date' else 'parquet'}"
    generate(declarations=size, seed=seed, out=data, fmt=fmt)  # type: ignore[arg-type]
    started = time.perf_counter()
    result = evaluate(data, dataset=fmt, runs=1, selection_bias=False)
    mean = {
        name: {k: v["mean"] for k, v in result[name].items() if v}
        for name in (
            "model",
            "baseline",
            "oracle",
            "oracle_ratio",
            "oracle_ratio_by_expected_revenue",
            "baseline_oracle_ratio",
        )
    }
    return {"seed": seed, "seconds": round(time.perf_counter() - started, 1), **mean}


def _spread(runs: list[dict[str, Any]], name: str) -> dict[str, dict[str, float]]:
    out = {}
    for k in KEYS:
        values = [r[name][k] for r in runs if k in r[name]]
        if values:
            out[k] = {
                "mean": round(float(np.mean(values)), 4),
                "std": round(float(np.std(values)), 4),
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--format", default="date", choices=("date", "native"))
    args = parser.parse_args()
    report: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "format": args.format,
        "sizes": {},
    }
    with tempfile.TemporaryDirectory(prefix="icrms-oracle-") as tmp:
        for size in args.sizes:
            runs = []
            for seed in args.seeds:
                runs.append(_one(Path(tmp), size, seed, args.format))
                print(json.dumps({"size": size, **runs[-1]}), file=sys.stderr, flush=True)
            report["sizes"][str(size)] = {
                "runs": runs,
                "oracle_ratio": _spread(runs, "oracle_ratio"),
                "baseline_oracle_ratio": _spread(runs, "baseline_oracle_ratio"),
                "oracle_ratio_by_expected_revenue": _spread(
                    runs, "oracle_ratio_by_expected_revenue"
                ),
                "oracle": _spread(runs, "oracle"),
            }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
