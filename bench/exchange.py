"""Exchange benchmark: bundles verified per second, sync of 10,000 objects, mirror and joint gains.

Usage: python bench/exchange.py [--only verify,sync,mirror,joint] [--seeds 3]
Prints one JSON line with the figures and the machine. The machine is shared and noisy: quote
medians and the with/without ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest import machine
from tests.exchange_support import PHONES, instance, register

from icrms.exchange import objects as objs
from icrms.exchange.bundles import build_bundle
from icrms.exchange.receive import receive
from icrms.exchange.signing import verify_bundle
from icrms.exchange.validate import check_bundle
from icrms.profiles.schemas import ProfileRead


def verify_rate(folder: Path, bundles: int = 300) -> dict[str, Any]:
    """Bundles of one indicator: signature checks per second, and full receptions per second."""
    a = instance(folder / "a", "XA", "KR")
    b = instance(folder / "b", "XB", "VN")
    register(a, b)
    register(b, a)
    at = datetime.now(UTC)
    profile = ProfileRead(**PHONES.model_dump(), version=1, status="active", created_at=at)
    made = []
    for n in range(bundles):
        obj = objs.indicator(
            a.code, a.admin.stix_id, profile.model_copy(update={"code": f"P-{n}"}), "amber", at
        )
        made.append(
            build_bundle(
                a.admin, [obj], recipients=["XB"], issued=at, expires=at + timedelta(days=1)
            )
        )
    raws = [json.dumps(x).encode() for x in made]
    key = a.admin.identity.public_key
    started = time.perf_counter()
    assert all(verify_bundle(json.loads(r), key) for r in raws)
    signature = bundles / (time.perf_counter() - started)
    started = time.perf_counter()
    for r in raws:
        check_bundle(json.loads(r))
    validation = bundles / (time.perf_counter() - started)
    started = time.perf_counter()
    with b.store.session() as s:
        results = [receive(s, admin=b.admin, raw=r, via="file") for r in raws]
    full = bundles / (time.perf_counter() - started)
    assert all(r.status == "accepted" for r in results), results[0]
    return {
        "bundles": bundles,
        "signature_checks_per_s": round(signature),
        "stix_and_schema_checks_per_s": round(validation),
        "received_per_s": round(full, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="verify,sync,mirror,joint")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--mirror-declarations", type=int, default=60_000)
    parser.add_argument("--a-declarations", type=int, default=100_000)
    parser.add_argument("--b-declarations", type=int, default=40_000)
    parser.add_argument("--b-months", type=int, default=3)
    parser.add_argument("--sync-objects", type=int, default=10_000)
    parser.add_argument(
        "--a-prior-year",
        action="store_true",
        help="date A's aggregates a year earlier (A has a year of history before B's)",
    )
    args = parser.parse_args()
    parts = set(args.only.split(","))
    out: dict[str, Any] = {"bench": "exchange"}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if "verify" in parts:
            out["verify"] = verify_rate(folder / "verify")
        if "sync" in parts:
            from sync_bench import sync_objects

            out["sync"] = sync_objects(folder / "sync", args.sync_objects)
        if "mirror" in parts or "joint" in parts:
            import exchange_gains as gains

            if "mirror" in parts:
                runs = [
                    gains.mirror_gain(folder / f"mirror{s}", args.mirror_declarations, s)
                    for s in range(1, args.seeds + 1)
                ]
                out["mirror"] = _summary(
                    runs, "without", "with_mirror", declarations=args.mirror_declarations
                )
            if "joint" in parts:
                runs = [
                    gains.joint_gain(
                        folder / f"joint{s}",
                        args.a_declarations,
                        args.b_declarations,
                        s,
                        args.b_months,
                        10,
                        args.a_prior_year,
                    )
                    for s in range(1, args.seeds + 1)
                ]
                out["joint"] = _summary(
                    runs,
                    "without",
                    "with_partner_aggregates",
                    a_declarations=args.a_declarations,
                    b_declarations=args.b_declarations,
                    b_months=args.b_months,
                    a_prior_year=args.a_prior_year,
                )
    out["machine"] = machine()
    print(json.dumps(out))


def _summary(runs: list[dict[str, Any]], base: str, better: str, **facts: Any) -> dict[str, Any]:
    before = [r[base] for r in runs]
    after = [r[better] for r in runs]
    ratios = [a / b if b else None for a, b in zip(after, before, strict=True)]
    return {
        **facts,
        "runs": runs,
        f"precision@5_{base}_median": statistics.median(before),
        f"precision@5_{better}_median": statistics.median(after),
        "ratio_median": round(statistics.median([r for r in ratios if r is not None]), 3)
        if any(ratios)
        else None,
    }


if __name__ == "__main__":
    main()
