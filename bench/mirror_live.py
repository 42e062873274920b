"""What the mirror fields cost a live decision: the pre-arrival lookup and comparison per declaration.

A SQLite store holds the partners' export declarations for N generated imports (stored as
received pre-arrival data); each generated import is then given its mirror fields as the live
engine does when a criterion reads one (``MirrorFacts.add``), and decided with and without a
mirror criterion. Prints one JSON line with the medians (ms) and the machine.

Usage: python bench/mirror_live.py [--declarations 20000] [--sample 300]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest import machine
from tests.selectivity_cases import compiled

from icrms.core.db import Store
from icrms.declarations.schemas import DeclarationCreate
from icrms.exchange import intake, mirror, rates
from icrms.exchange import objects as objs
from icrms.exchange.prearrival import MirrorFacts
from icrms.generator import generate
from icrms.generator.partner_exports import generate_partner_exports
from icrms.selectivity.engine import Snapshot, decide
from icrms.selectivity.schemas import PolicyConfig


def median_ms(times: list[float]) -> float:
    return round(1000 * statistics.median(times), 3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--declarations", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate(declarations=args.declarations, seed=5, out=folder / "imports.parquet")
        exported = generate_partner_exports(
            args.declarations, 5, folder / "exports.parquet", countries=["CN", "VN", "DE"]
        )
        store = Store(f"sqlite:///{folder / 'store.sqlite'}")
        at = datetime.now(UTC)
        bodies = mirror.export_objects(pq.read_table(exported.path))
        started = time.perf_counter()
        with store.session() as s:
            rates.set_rates(
                s, rates=[tuple(r.values()) for r in rates.generator_rates().to_pylist()]
            )  # type: ignore[misc]
            for start in range(0, len(bodies), 500):
                chunk = [
                    objs.pre_arrival("XB", "identity--x", b, "amber", at)
                    for b in bodies[start : start + 500]
                ]
                intake.store_objects(s, issuer="XB", bundle_id=f"b{start}", objects=chunk, at=at)
        stored_s = time.perf_counter() - started
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in pq.read_table(folder / "imports.parquet").to_pylist():
            grouped[row["declaration_id"]].append(row)
        keys = sorted(grouped)[:: max(1, len(grouped) // args.sample)][: args.sample]
        declarations = [DeclarationCreate.from_item_rows(grouped[k]) for k in keys]
        plain = compiled("UV", "hs4 = '8517' AND unit_value < 150", 40, "revenue", "yellow", 1.0)
        reads = compiled("MR", "mirror_value_ratio < 0.7", 40, "revenue", "yellow", 1.0)
        without = Snapshot(1, PolicyConfig(), 1, [plain], {}, b"k", facts=MirrorFacts())
        with_mirror = Snapshot(1, PolicyConfig(), 1, [plain, reads], {}, b"k", facts=MirrorFacts())
        timings: dict[str, list[float]] = defaultdict(list)
        matched = 0
        with store.session() as s:
            for d in declarations:
                rows = d.item_rows()
                for name, snap in (
                    ("decide_without_mirror", without),
                    ("decide_with_mirror", with_mirror),
                ):
                    started = time.perf_counter()
                    decide(snap, snap.with_facts(s, rows, datetime.now(UTC)))
                    timings[name].append(time.perf_counter() - started)
                started = time.perf_counter()
                found = MirrorFacts().add(s, rows, at=datetime.now(UTC))
                spent = time.perf_counter() - started
                hit = found[0]["mirror_value_ratio"] is not None
                matched += hit
                timings["facts_matched" if hit else "facts_unmatched"].append(spent)
        store.dispose()
    print(
        json.dumps(
            {
                "bench": "mirror_live",
                "declarations": args.declarations,
                "export_declarations_stored": len(bodies),
                "store_seconds": round(stored_s, 1),
                "sample": len(declarations),
                "matched": matched,
                **{f"{k}_median_ms": median_ms(v) for k, v in sorted(timings.items()) if v},
                "machine": machine(),
            }
        )
    )


if __name__ == "__main__":
    main()
