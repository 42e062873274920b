"""Selectivity benchmark: bulk engine on DuckDB vs the live evaluator, and live latency with the write.

(a) bulk: N generated declarations x P generated profiles in DuckDB, declarations/s; the live
    evaluator on a sample of the same data for the ratio; channels must be identical. Then the
    same end to end: bulk with its warehouse facts written, live with each assessment stored.
(b) live: p50/p99 latency of assessing one 10-item declaration against P active profiles,
    in process (the decision alone) and including the immutable assessment write to the
    operational store (SQLite file), without a model and with a risk model (trained on the same
    workspace) promoted, in one run.
Prints one JSON line.
Usage: python bench/selectivity.py [--declarations 1000000] [--profiles 1000] [--live-only]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import machine
from profiles_gen import generated_profiles

from icrms.core.db import Store
from icrms.declarations.schemas import DeclarationCreate
from icrms.generator import generate
from icrms.ingest.flows import ingest_file
from icrms.models import service as models
from icrms.models.live import ModelScorer
from icrms.selectivity import service
from icrms.selectivity.bulk import bulk_assess, bulk_assess_and_store
from icrms.selectivity.engine import CompiledProfile, Snapshot, decide
from icrms.selectivity.schemas import PolicyConfig
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse

SECRET = b"benchmark-secret"


def bulk_part(
    folder: Path, declarations: int, profile_count: int, sample: int
) -> dict[str, object]:
    path = folder / "declarations.parquet"
    generate(declarations=declarations, seed=3, out=path)
    settings = Settings(home=folder / "ws")
    with DuckDBWarehouse(settings.warehouse_path) as wh:
        ingest_file(wh, path, fmt="native", settings=settings)
        items = wh.sql("SELECT * FROM fact_item")
        profiles = [CompiledProfile.of(p) for p in generated_profiles(items, profile_count)]
        snap = Snapshot(1, PolicyConfig(random_share=0.02), 1, profiles, {}, SECRET)
        started = time.perf_counter()
        result = bulk_assess(wh, snap, items_sql="SELECT * FROM fact_item")
        bulk_seconds = time.perf_counter() - started
        started = time.perf_counter()
        bulk_assess_and_store(wh, snap, items_sql="SELECT * FROM fact_item")
        stored_seconds = time.perf_counter() - started
    by_declaration: dict[tuple[str, int], list[dict[str, object]]] = defaultdict(list)
    keys = set(
        zip(
            result.column("declaration_id").to_pylist()[:sample],
            result.column("version").to_pylist()[:sample],
            strict=True,
        )
    )
    for row in items.to_pylist():
        key = (row["declaration_id"], row["version"])
        if key in keys:
            by_declaration[key].append(row)
    started = time.perf_counter()
    live = {
        k: decide(snap, sorted(rows, key=lambda r: r["item_no"])).channel
        for k, rows in by_declaration.items()
    }  # type: ignore[arg-type, return-value]
    live_seconds = time.perf_counter() - started
    store = Store(f"sqlite:///{folder / 'sample-store.sqlite'}")
    declarations = [
        DeclarationCreate.from_item_rows(sorted(rows, key=lambda r: r["item_no"]))
        for rows in by_declaration.values()
    ]
    started = time.perf_counter()
    for declaration in declarations:
        with store.session() as s:
            service.assess(s, snapshot=snap, declaration=declaration)
    live_stored_seconds = time.perf_counter() - started
    bulk_channels = dict(
        zip(
            zip(
                result.column("declaration_id").to_pylist(),
                result.column("version").to_pylist(),
                strict=True,
            ),
            result.column("channel").to_pylist(),
            strict=True,
        )
    )
    identical = all(bulk_channels[k] == c for k, c in live.items())
    bulk_rate = result.num_rows / bulk_seconds
    live_rate = len(live) / live_seconds
    stored_rate = result.num_rows / stored_seconds
    live_stored_rate = len(declarations) / live_stored_seconds
    return {
        "declarations": result.num_rows,
        "item_rows": items.num_rows,
        "profiles": profile_count,
        "bulk_seconds": round(bulk_seconds, 2),
        "bulk_declarations_per_second": round(bulk_rate),
        "live_sample": len(live),
        "live_declarations_per_second": round(live_rate),
        "bulk_over_live": round(bulk_rate / live_rate, 1),
        "identical_channels_on_sample": identical,
        # end to end: both paths keep every assessment (warehouse facts / operational store)
        "bulk_stored_declarations_per_second": round(stored_rate),
        "live_stored_declarations_per_second": round(live_stored_rate),
        "bulk_over_live_stored": round(stored_rate / live_stored_rate, 1),
    }


def live_part(folder: Path, profile_count: int, runs: int) -> dict[str, object]:
    path = folder / "live.parquet"
    generate(declarations=20_000, seed=4, out=path)
    settings = Settings(home=folder / "live-ws")
    with DuckDBWarehouse(settings.warehouse_path) as wh:
        ingest_file(wh, path, fmt="native", settings=settings)
        version = models.train(wh, settings, seed=0)
        items = wh.sql("SELECT * FROM fact_item")
        ten = wh.sql(
            "SELECT declaration_id FROM fact_item GROUP BY declaration_id HAVING count(*) = 10 LIMIT 1"
        ).to_pylist()[0]
        rows = wh.sql(
            f"SELECT * FROM fact_item WHERE declaration_id = '{ten['declaration_id']}' ORDER BY item_no"
        ).to_pylist()
    profiles = [CompiledProfile.of(p) for p in generated_profiles(items, profile_count)]
    store = Store(f"sqlite:///{folder / 'store.sqlite'}")
    with store.session() as s:
        policy_version, policy = service.current_policy(s)
    scorer = ModelScorer(models.registry(settings).load(version))
    template = DeclarationCreate.from_item_rows(rows)
    out: dict[str, object] = {"items": len(rows), "profiles": profile_count, "runs": runs}
    items_in_process = [dict(r) for r in rows]
    for label, model in (("without_model", None), ("with_model", scorer)):
        snap = Snapshot(policy_version, policy, 1, profiles, {}, SECRET, model)
        decided = []
        for n in range(runs + 50):  # in process: the decision alone, no store write
            started = time.perf_counter()
            decide(snap, items_in_process)
            if n >= 50:
                decided.append((time.perf_counter() - started) * 1000)
        decided.sort()
        out[f"in_process_{label}"] = {
            "p50_ms": round(statistics.median(decided), 3),
            "p99_ms": round(decided[int(0.99 * (runs - 1))], 3),
        }
        latencies, channels = [], Counter()
        for n in range(runs + 50):  # the first 50 warm up (compiled trees, caches)
            declaration = template.model_copy(update={"declaration_id": f"{label}-{n:06d}"})
            started = time.perf_counter()
            with store.session() as s:
                result = service.assess(s, snapshot=snap, declaration=declaration)
            if n >= 50:
                latencies.append((time.perf_counter() - started) * 1000)
                channels[result.channel] += 1
        latencies.sort()
        out[label] = {
            "p50_ms": round(statistics.median(latencies), 3),
            "p99_ms": round(latencies[int(0.99 * (runs - 1))], 3),
            "mean_ms": round(statistics.fmean(latencies), 3),
            "channels": dict(channels),
        }
    out["model"] = {"version": version, "trees": scorer.model.forest.trees}
    out["date"] = str(date.today())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--declarations", type=int, default=1_000_000)
    parser.add_argument("--profiles", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--live-only", action="store_true", help="Skip the bulk part.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out: dict[str, object] = {"benchmark": "selectivity", "machine": machine()}
        if not args.live_only:
            out["bulk"] = bulk_part(Path(tmp), args.declarations, args.profiles, args.sample)
        out["live"] = live_part(Path(tmp), args.profiles, args.runs)
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
