"""Assessments as warehouse rows: fact_assessment and its reasons, from either engine."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

import pyarrow as pa

from icrms.warehouse.schema import FACT_ASSESSMENT, FACT_ASSESSMENT_REASON

NO_MODEL = ""


def reason_rows(
    key: dict[str, Any], date_key: int, reasons: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One bridge row per profile, watchlist (per list), model or random draw an assessment cites."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for r in reasons:
        kind = r["kind"]
        if kind == "profile":
            code, version, chosen, score = r["code"], r["version"], r["selected"], r["score"]
        elif kind == "watchlist":
            code, version, chosen, score = r["list"], None, True, r["score"]
        elif kind == "model":
            code, version, chosen, score = (
                str(r.get("model_version", "model")),
                None,
                True,
                r["score"],
            )
        else:
            code, version, chosen, score = kind, None, True, 0
        rows.setdefault(
            (kind, code),
            {
                **key,
                "date_key": date_key,
                "kind": kind,
                "code": code,
                "code_version": version,
                "selected": chosen,
                "score": score,
            },
        )
    return list(rows.values())


def assessment_facts(
    decisions: Iterable[dict[str, Any]],
    *,
    policy_version: int,
    profile_set_version: int,
    model_version: str | None,
    engine: str,
) -> tuple[pa.Table, pa.Table]:
    """Warehouse rows for decisions given as dicts with declaration_id, version, office_code,
    lodged_date, channel, score and reasons (a list or its JSON text)."""
    facts, bridge = [], []
    for d in decisions:
        reasons = json.loads(d["reasons"]) if isinstance(d["reasons"], str) else d["reasons"]
        key = {
            "declaration_id": d["declaration_id"],
            "version": d["version"],
            "policy_version": policy_version,
            "profile_set_version": profile_set_version,
            "model_version": model_version or NO_MODEL,
        }
        day: date = d["lodged_date"]
        date_key = day.year * 10000 + day.month * 100 + day.day
        facts.append(
            {
                **key,
                "engine": engine,
                "date_key": date_key,
                "office_code": d["office_code"],
                "channel": d["channel"],
                "score": d["score"],
                "random_selected": any(r["kind"] == "random" for r in reasons),
                "reasons": json.dumps(reasons, separators=(",", ":")),
            }
        )
        bridge.extend(reason_rows(key, date_key, reasons))
    return pa.Table.from_pylist(facts, FACT_ASSESSMENT), pa.Table.from_pylist(
        bridge, FACT_ASSESSMENT_REASON
    )
