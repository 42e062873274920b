"""Selection bias and exploration on generated data (DATE shape, with its oracle file).

(a) ``icrms evaluate --runs 1`` per generator seed: the full-label model beside the models trained
    only on the old rules' selections (targeted only; targeted and random; with inverse-propensity
    weights), all scored on the full-label test rows; mean and spread over seeds.
(b) ``icrms simulate --period month`` on the first seed: starting from all train labels or from
    the old rules' selections only, with no exploration, a fixed 10 % share, or an adaptive share.

Prints one JSON line. Usage: python bench/models_selection.py [--size 20000] [--seeds 1 2 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from icrms.generator import generate
from icrms.models.evaluate import evaluate
from icrms.models.simulate import simulate

KEYS = ("precision@5", "revenue@5", "precision@10", "revenue@10")
SIMULATIONS: dict[str, dict[str, Any]] = {
    "all_labels_no_exploration": {"history": "all", "exploration": 0.0},
    "selected_no_exploration": {"history": "selected", "exploration": 0.0},
    "selected_no_exploration_no_ipw": {
        "history": "selected",
        "exploration": 0.0,
        "propensity": False,
    },
    "selected_fixed_10pct": {"history": "selected", "exploration": 0.1},
    "selected_adaptive_from_10pct": {"history": "selected", "exploration": 0.1, "adaptive": True},
    "targeted_fixed_10pct": {"history": "targeted", "exploration": 0.1},
}


def _spread(values: list[float]) -> dict[str, float]:
    return {"mean": round(float(np.mean(values)), 4), "std": round(float(np.std(values)), 4)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=20_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--skip-simulation", action="store_true")
    args = parser.parse_args()
    out: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "size": args.size,
        "seeds": args.seeds,
    }
    with tempfile.TemporaryDirectory(prefix="icrms-selection-") as tmp:
        files = {}
        runs: dict[str, list[dict[str, float]]] = {}
        for seed in args.seeds:
            files[seed] = Path(tmp) / f"s{seed}.csv"
            generate(declarations=args.size, seed=seed, out=files[seed], fmt="date")
            result = evaluate(files[seed], dataset="date", runs=1)
            rows = {"full_labels": result["model"], "baseline": result["baseline"]}
            ratios = {"full_labels": result["oracle_ratio"]}
            for name, v in result["selection_bias"].items():
                rows[name] = {k: v[k] for k in KEYS}
                ratios[name] = v["oracle_ratio"]
            for name, figures in rows.items():
                entry = {k: figures[k]["mean"] for k in KEYS}
                if name in ratios:
                    entry |= {f"{k}_oracle_ratio": ratios[name][k]["mean"] for k in KEYS}
                runs.setdefault(name, []).append(entry)
        out["evaluate"] = {
            name: {k: _spread([r[k] for r in entries]) for k in entries[0]}
            for name, entries in runs.items()
        }
        if not args.skip_simulation:
            first = files[args.seeds[0]]
            out["simulate"] = {}
            for name, options in SIMULATIONS.items():
                sim = simulate(
                    first, dataset="date", period="month", inspection_rate=0.05, **options
                )
                out["simulate"][name] = {
                    "mean": sim["mean"],
                    "months": [
                        {k: p[k] for k in ("start", "exploration", "precision", "norm_revenue")}
                        for p in sim["periods"]
                    ],
                }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
