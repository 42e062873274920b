"""``icrms evaluate``: the product's pipeline on a labelled data set, against the DATE baseline.

Ingest into a temporary workspace, compute features in the warehouse, train on train (choose on
valid), register the model, load it back and score test in bulk — the same path as production.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from icrms.core.identity import load_identity
from icrms.errors import ValidationError
from icrms.ingest.flows import ingest_file
from icrms.models import bulk, oracle, pipeline, selection
from icrms.models.baseline import Baseline
from icrms.models.derive import columns
from icrms.models.features import ITEMS
from icrms.models.metrics import RATES, precision_at, report, revenue_at
from icrms.models.registry import Registry
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse

SPLITS = ("train", "valid", "test")
KCS_NAMES = {s: f"df_syn_{s}_eng.csv" for s in SPLITS}
SUFFIXES = (".csv", ".parquet", ".jsonl")


def split_files(data: Path) -> dict[str, Path] | Path:
    """The train/valid/test files of a directory, or the single file to split by date."""
    if data.is_file():
        return data
    if not data.is_dir():
        raise ValidationError("--data", str(data), "is neither a file nor a directory")
    for names in (KCS_NAMES, *({s: f"{s}{x}" for s in SPLITS} for x in SUFFIXES)):
        files = {s: data / n for s, n in names.items()}
        if all(p.is_file() for p in files.values()):
            return files
    raise ValidationError(
        "--data", str(data), "needs df_syn_{train,valid,test}_eng.csv or train/valid/test.csv"
    )


@dataclass
class Prepared:
    """A temporary warehouse with the data ingested, labelled and split."""

    warehouse: DuckDBWarehouse
    registry: Registry
    train_until: Any
    valid: tuple[Any, Any]
    rows: dict[str, int]
    oracle: bool = False  # an oracle file was found and loaded (generated data)


def _ingest(wh: DuckDBWarehouse, data: Path, fmt: str, settings: Settings) -> None:
    wh.execute("CREATE TABLE IF NOT EXISTS eval_split (declaration_id VARCHAR, split VARCHAR)")
    target = split_files(data)
    if isinstance(target, Path):
        ingest_file(wh, target, fmt=fmt, settings=settings)
        wh.execute(
            """INSERT INTO eval_split
            WITH d AS (SELECT lodged_date, count(*) n FROM fact_item GROUP BY ALL),
            c AS (SELECT lodged_date, sum(n) OVER (ORDER BY lodged_date) / sum(n) OVER () q FROM d)
            SELECT DISTINCT i.declaration_id,
                CASE WHEN c.q <= 0.6 THEN 'train' WHEN c.q <= 0.8 THEN 'valid' ELSE 'test' END
            FROM fact_item i JOIN c USING (lodged_date)"""
        )
        return
    for split, path in target.items():
        ingest_file(wh, path, fmt=fmt, settings=settings)
        wh.execute(
            f"INSERT INTO eval_split SELECT DISTINCT declaration_id, '{split}' FROM fact_item "
            "WHERE declaration_id NOT IN (SELECT declaration_id FROM eval_split)"
        )


def prepare(home: Path, data: Path, fmt: str) -> Prepared:
    """Ingest ``data`` into a workspace at ``home`` and label its items."""
    settings = Settings(home=home)
    wh = DuckDBWarehouse(settings.warehouse_path)
    _ingest(wh, data, fmt, settings)
    pipeline.prepare(wh)
    wh.execute(
        f"CREATE OR REPLACE TEMP TABLE {ITEMS} AS SELECT m.*, s.split FROM {ITEMS} m "
        "JOIN eval_split s USING (declaration_id)"
    )
    spans = {
        r["split"]: r
        for r in wh.sql(
            f"SELECT split, min(lodged_date) a, max(lodged_date) b, count(*) n FROM {ITEMS} "
            "GROUP BY split"
        ).to_pylist()
    }
    if set(spans) != set(SPLITS):
        raise ValidationError("--data", str(data), f"splits found: {sorted(spans)}; need all three")
    if spans["train"]["b"] >= spans["test"]["a"]:
        raise ValidationError("--data", str(data), "test rows must be lodged after train rows")
    truth = oracle.oracle_files(split_files(data))
    if truth:
        oracle.load(wh, truth)
    return Prepared(
        wh,
        Registry(home / "models", identity=load_identity(home / "keys")),
        spans["train"]["b"],
        (spans["valid"]["a"], spans["valid"]["b"]),
        {s: int(spans[s]["n"]) for s in SPLITS},
        oracle=truth is not None,
    )


def riskiest_per_unit(cols: dict[str, np.ndarray], p: np.ndarray) -> np.ndarray:
    """Row index of the highest-scored item of each labelled unit (a control result)."""
    best: dict[str, int] = {}
    for i, unit in enumerate(cols["unit_id"]):
        if unit is not None and (unit not in best or p[i] > p[best[unit]]):
            best[unit] = i
    return np.array(list(best.values()), dtype=int)


def _unit_sums(cols: dict[str, np.ndarray], values: np.ndarray) -> Any:
    """Per labelled unit, the sum of its items' values (a vectorised lookup by unit id)."""
    sums: dict[Any, float] = {}
    for unit, v in zip(cols["unit_id"], values, strict=True):
        if unit is not None:
            sums[unit] = sums.get(unit, 0.0) + float(v)
    return np.vectorize(lambda u: sums[u], otypes=[float])


def _units(cols: dict[str, np.ndarray], p: np.ndarray) -> dict[str, np.ndarray]:
    """Aggregate item scores to labelled units (a control result): max score per unit."""
    idx = riskiest_per_unit(cols, p)
    return {
        "p": p[idx],
        "y": cols["fraud"][idx],
        "revenue": np.nan_to_num(cols["unit_revenue"][idx]),
        "critical": cols["critical"][idx],
        "idx": idx,
    }


def run_once(prep: Prepared, fmt: str, seed: int, selection_bias: bool = True) -> dict[str, Any]:
    """Train, register, load and score test once; the model's and the baseline's figures."""
    wh = prep.warehouse
    started, cpu = time.perf_counter(), time.process_time()
    fitted = pipeline.train_on_warehouse(
        wh, train_until=prep.train_until, valid=prep.valid, history_until=prep.valid[1], seed=seed
    )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    version = prep.registry.register(fitted, dataset={"format": fmt, "seed": seed})
    artifact = prep.registry.load(version)
    test_sql = f"SELECT * FROM {ITEMS} WHERE split = 'test'"
    scored = bulk.score_items(wh, artifact, items_sql=test_sql)
    labels = columns(
        wh.sql(
            "SELECT declaration_id, version, item_no, unit_id, fraud, unit_revenue, critical "
            f"FROM {ITEMS} WHERE split = 'test'"
        )
    )
    pos = {
        k: i
        for i, k in enumerate(
            zip(labels["declaration_id"], labels["version"], labels["item_no"], strict=True)
        )
    }
    order = [
        pos[k]
        for k in zip(
            scored["cols"]["declaration_id"],
            scored["cols"]["version"],
            scored["cols"]["item_no"],
            strict=True,
        )
    ]
    test = {**scored["cols"], **{k: v[order] for k, v in labels.items()}}
    unit = _units(test, scored["p"])
    expected = _unit_sums(test, artifact.model.expected_revenue(scored["x"], scored["p"]))
    by_revenue = {
        f"revenue@{n}": revenue_at(expected(test["unit_id"][unit["idx"]]), unit["revenue"], n / 100)
        for n in RATES
    }
    train = columns(
        wh.sql(
            f"SELECT * FROM {ITEMS} WHERE split = 'train' AND fraud IS NOT NULL "
            "ORDER BY lodged_date, declaration_id, version, item_no"
        )
    )
    base = Baseline(oversample=fmt == "kcs", seed=seed).fit(train, train["fraud"])
    pb = _units(test, base.predict(test))["p"]
    out: dict[str, Any] = {
        "model": report(unit["p"], unit["y"], unit["revenue"], unit["critical"]),
        "baseline": report(pb, unit["y"], unit["revenue"], unit["critical"]),
        # the same model ranked by expected revenue (probability x revenue regression)
        "model_by_expected_revenue": by_revenue,
        "train_seconds": seconds,
        "train_cpu_seconds": cpu,
        "version": version,
        "test_units": len(unit["y"]),
    }
    if prep.oracle:
        units = test["unit_id"][unit["idx"]]
        po, ro = oracle.unit_arrays(oracle.unit_scores(wh, "test"), units)
        best = oracle.figures(po, ro, unit["y"], unit["revenue"])
        out["oracle"] = best
        out["oracle_ratio"] = oracle.ratios(out["model"], best)
        out["oracle_ratio_by_expected_revenue"] = oracle.ratios(by_revenue, best)
        out["baseline_oracle_ratio"] = oracle.ratios(out["baseline"], best)
        if selection_bias and selection.all_labelled(wh):
            out["selection_bias"] = selection.compare(prep, seed, best)
    seen = set(zip(train["hs6"], train["net_mass_kg"], strict=True))
    new = np.array(
        [
            (h, m) not in seen
            for h, m in zip(test["hs6"][unit["idx"]], test["net_mass_kg"][unit["idx"]], strict=True)
        ]
    )
    if new.any():
        out["unseen_pair"] = {
            "rows": int(new.sum()),
            "share": float(new.mean()),
            "fraud_rate": float(unit["y"][new].mean()),
            "precision@5": precision_at(unit["p"][new], unit["y"][new], 0.05),
            "precision@10": precision_at(unit["p"][new], unit["y"][new], 0.10),
            "baseline_precision@5": precision_at(pb[new], unit["y"][new], 0.05),
        }
    return out


def _summary(values: list[Any]) -> Any:
    if all(isinstance(v, dict) for v in values):
        return {k: _summary([v.get(k) for v in values]) for k in values[0]}
    nums = [v for v in values if isinstance(v, int | float)]
    if not nums:
        return None
    return {"mean": round(float(np.mean(nums)), 4), "std": round(float(np.std(nums)), 4)}


def evaluate(
    data: Path,
    *,
    dataset: str,
    runs: int = 5,
    progress: Callable[[str], None] | None = None,
    selection_bias: bool = True,
) -> dict[str, Any]:
    """Evaluate ``runs`` times (seeds 0..runs-1) and summarise mean ± std.

    On generated data whose every row is labelled (DATE shape) with its oracle file, each run
    also trains on the old rules' selections only (``selection.py``) unless ``selection_bias``
    is false.
    """
    if dataset not in ("kcs", "date", "native"):
        raise ValidationError("--dataset", dataset, "is not one of kcs, date, native")
    say = progress or (lambda _s: None)
    with tempfile.TemporaryDirectory(prefix="icrms-eval-") as tmp:
        say("ingest")
        prep = prepare(Path(tmp), data, dataset)
        try:
            results = []
            for seed in range(runs):
                say(f"run {seed + 1}/{runs}")
                results.append(run_once(prep, dataset, seed, selection_bias))
        finally:
            prep.warehouse.close()
    model = _summary([r["model"] for r in results])
    base = _summary([r["baseline"] for r in results])
    ratio = {
        k: round(model[k]["mean"] / base[k]["mean"], 3)
        for k in model
        if model[k] and base.get(k) and base[k]["mean"]
    }
    out = {
        "dataset": dataset,
        "data": str(data),
        "runs": runs,
        "rows": prep.rows,
        "test_units": results[0]["test_units"],
        "model": model,
        "baseline": base,
        "ratio": ratio,
        "train_seconds": _summary([r["train_seconds"] for r in results]),
        "train_cpu_seconds": _summary([r["train_cpu_seconds"] for r in results]),
    }
    for key in (
        "model_by_expected_revenue",
        "oracle",
        "oracle_ratio",
        "oracle_ratio_by_expected_revenue",
        "baseline_oracle_ratio",
        "selection_bias",
        "unseen_pair",
    ):
        if key in results[0]:
            out[key] = _summary([r[key] for r in results])
    return out
