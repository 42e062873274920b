"""The policy key never reaches SQL: not the query text, plans, logs nor error messages; literals
that Spark would read differently (a backslash, ``${...}``) mean the same on every engine."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from typing import Any

import pyarrow as pa
import pytest

from icrms.profiles.backtest import backtest
from icrms.profiles.schemas import ProfileCreate, WatchlistRead
from icrms.profiles.watchlists import WatchlistSnapshot
from icrms.selectivity.bulk import bulk_assess, reasons_of
from icrms.selectivity.engine import Snapshot
from icrms.selectivity.schemas import PolicyConfig
from icrms.selectivity.sql import BulkQueryError, lit, run_query
from icrms.warehouse.base import LoadBatch, Warehouse
from icrms.warehouse.schema import FACT_ITEM
from tests.contract.warehouse import rows
from tests.selectivity_cases import compiled, live_decisions, without_nulls

KEY = b"s3cr3t-policy-key-7f1c"
LEAKING = "'${env:ICRMS_POLICY_SECRET}' LIKE 's3%' AND hs_code IS NOT NULL"
SUBSTITUTED = "description LIKE '%${x}%'"
OFFICES = {"0042": "0042\\", "0204": "0204'\\"}


def items() -> pa.Table:
    """The contract rows with office codes Spark would misread if pasted unescaped."""
    table = rows.items(0, 45).to_pylist()
    for row in table:
        row["office_code"] = OFFICES[row["office_code"]]
        row["description"] = "${x}" if row["item_no"] == 2 else row["description"]
    return pa.Table.from_pylist(table, FACT_ITEM)


def snap(data: pa.Table) -> Snapshot:
    now = datetime.now(UTC)
    importers = WatchlistRead(
        name="importers", kind="trader", purpose="x", score=15, min_channel="yellow", created_at=now
    )
    lists = {"importers": WatchlistSnapshot(importers, frozenset({"TIN-553201"}))}
    policy = PolicyConfig(
        random_share=0.1,
        random_share_by_office={"0042\\": 0.5},
        red_capacity_by_office={"0204'\\": 1},
    )
    profiles = [
        compiled("LEAK", LEAKING, 70, "security", "red", 1.0),
        compiled("SUBST", SUBSTITUTED, 35, "revenue", "yellow", 0.5),
        compiled("PHONES", "hs4 = '8517'", 40, "revenue", "yellow", 0.7),
    ]
    return Snapshot(1, policy, 1, profiles, lists, KEY)


class Recorder:
    """Records every statement a warehouse is sent (text), by wrapping its methods."""

    def __init__(self, wh: Warehouse) -> None:
        self.texts: list[str] = []
        for name in ("sql", "execute"):
            original = getattr(wh, name)
            setattr(wh, name, self._wrap(original))

    def _wrap(self, original: Any) -> Any:
        def call(text: str) -> Any:
            self.texts.append(text)
            return original(text)

        return call


def plan(wh: Warehouse, query: str) -> str:
    if wh.backend == "spark":
        return str(wh.session.sql(f"EXPLAIN EXTENDED {query}").collect())  # type: ignore[attr-defined]
    return str(wh.local_connection().execute(f"EXPLAIN {query}").fetchall())  # type: ignore[union-attr]


def test_the_key_appears_in_no_query_plan_log_or_error(
    warehouse: Warehouse,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.INFO)
    monkeypatch.setenv("ICRMS_POLICY_SECRET", KEY.decode())
    data = items()
    warehouse.load(LoadBatch(data, rows.controls(data)))
    recorder = Recorder(warehouse)
    snapshot_ = snap(data)

    result = bulk_assess(warehouse, snapshot_, items_sql="SELECT * FROM fact_item")
    live = live_decisions(snapshot_, data)
    assert result.num_rows == len(live) == 15
    for row, got in zip(result.to_pylist(), reasons_of(result), strict=True):
        expected = live[(row["declaration_id"], row["version"])]
        assert (row["channel"], row["score"]) == (expected["channel"], expected["score"]), row
        assert without_nulls(got) == without_nulls(expected["reasons"])
    shares = {r.get("share") for got in reasons_of(result) for r in got if r["kind"] == "random"}
    assert 0.5 in shares  # the office-specific share of "0042\" applied in SQL
    reasons = " ".join(result.column("reasons").to_pylist())
    assert "LEAK" not in reasons  # the literal stayed text: it does not start with s3
    assert "SUBST" in reasons  # '%${x}%' matches the items whose description is ${x}

    def backtested(code: str, criteria: str) -> Any:
        profile = ProfileCreate(
            code=code, name="x", purpose="x", category="revenue", criteria=criteria, score=10
        )
        period = {"date_from": date(2024, 1, 1), "date_to": date(2025, 12, 31)}
        return backtest(warehouse, profile, watchlists=snapshot_.watchlists, secret=KEY, **period)

    report = backtested("LEAK", LEAKING)
    assert report.declarations == 15 and report.matches == 0
    # every declaration has an item 2 described as ${x}
    assert backtested("SUBST", SUBSTITUTED).matches == 15

    after = warehouse.sql("SELECT icrms_draw('D1', 1, 'random') AS d").column("d").to_pylist()
    assert after == [None]  # the keyed function is gone once the work is done

    drawing = [t for t in recorder.texts if "icrms_draw(" in t and "'D1'" not in t]
    assert len(drawing) == 3  # the bulk assessment and the two backtests: their plans too
    seen = "\n".join(recorder.texts + [plan(warehouse, q) for q in drawing])
    with pytest.raises(BulkQueryError) as failed:
        run_query(warehouse, f"SELECT no_such_column FROM fact_item -- {'x' * 500}", "test")
    out, err = capfd.readouterr()
    for text in (seen, caplog.text, out, err, str(failed.value)):
        assert KEY.decode() not in text
        assert KEY.hex() not in text
    assert "x" * 100 not in str(failed.value) and len(str(failed.value)) < 400


VALUES = ["0042\\", "a'b", "\\'", "${x}", "it's \\n", "'", "\\\\", "plain", "ünï\\cödé"]


def test_literals_read_the_same_on_every_engine(warehouse: Warehouse) -> None:
    columns = ", ".join(f"{lit(v)} AS v{n}" for n, v in enumerate(VALUES))
    got = warehouse.sql(f"SELECT {columns}").to_pylist()[0]
    assert list(got.values()) == VALUES
