"""The oracle test: DuckDB evaluating each criterion AS THE ANALYST WROTE IT decides which rows
match; the live engine, the DuckDB bulk SQL and the Spark bulk SQL must select exactly those.

The bulk side is the real matching query of the bulk engine (criterion templates joined with
their constants, the profile index, the watchlist table), not a criterion compiled alone.
Examples: ``ICRMS_ORACLE_EXAMPLES`` (default 200 on DuckDB, a thirtieth, at least 6, on Spark).
Criteria icrms refuses are skipped (refusing is allowed: following DuckDB or refusing are the
two choices); so are the rare ones DuckDB itself cannot evaluate (e.g. an integer overflow).
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from icrms.profiles.rules import CriterionError
from icrms.profiles.schemas import WatchlistRead
from icrms.profiles.watchlists import WatchlistSnapshot
from icrms.selectivity.engine import CompiledProfile, Snapshot
from icrms.selectivity.matching import ITEMS, matches_sql, reference_tables
from icrms.selectivity.schemas import PolicyConfig
from icrms.selectivity.sql import Dialect
from tests.contract.rules.oracle_cases import WATCHLIST, condition, item_rows, rows
from tests.selectivity_cases import compiled

Matches = dict[int, set[str]]
EXAMPLES = int(os.environ.get("ICRMS_ORACLE_EXAMPLES", "200"))  # Spark runs a thirtieth


def snapshot(criteria: list[str]) -> tuple[Snapshot, dict[int, str]]:
    """Profiles for the criteria icrms accepts (numbered as in ``criteria``)."""
    profiles: list[CompiledProfile] = []
    texts: dict[int, str] = {}
    for n, text in enumerate(criteria):
        try:
            profiles.append(compiled(f"P{n}", text, 10, "revenue", "yellow", 1.0))
        except (ValidationError, CriterionError):
            continue
        texts[len(profiles) - 1] = text
    now = datetime.now(UTC)
    wl = WatchlistRead(
        name="wl", kind="trader", purpose="x", score=10, min_channel="yellow", created_at=now
    )
    lists = {"wl": WatchlistSnapshot(wl, WATCHLIST["wl"])}
    return Snapshot(1, PolicyConfig(), 1, profiles, lists, b"oracle"), texts


def oracle(con: duckdb.DuckDBPyConnection, items: pa.Table, texts: dict[int, str]) -> Matches:
    """DuckDB on the analyst's text; criteria DuckDB cannot evaluate are left out."""
    store(con, "items", items)
    out: Matches = {}
    for p, text in texts.items():
        try:
            found = con.execute(f"SELECT declaration_id FROM items WHERE {text}").fetchall()
        except duckdb.Error:
            continue
        out[p] = {row[0] for row in found}
    return out


def live(snap: Snapshot, items: pa.Table) -> Matches:
    out: Matches = defaultdict(set)
    for row in items.to_pylist():
        for p, profile in enumerate(snap.profiles):
            if profile.predicate(row, snap.lookup):
                out[p].add(row["declaration_id"])
    return out


def bulk(run: Any, register: Any, snap: Snapshot, items: pa.Table, dialect: str) -> Matches:
    query, tables = matches_sql(snap, Dialect(dialect))
    for name, table in {**reference_tables(snap), **tables, ITEMS: items}.items():
        register(name, table)
    out: Matches = defaultdict(set)
    for row in run(query).to_pylist():
        out[row["p"]].add(row["declaration_id"])
    return out


def disagreements(expected: Matches, got: Matches, texts: dict[int, str]) -> list[str]:
    return [
        f"{texts[p]!r}: DuckDB {sorted(want)} icrms {sorted(got.get(p, set()))}"
        for p, want in expected.items()
        if got.get(p, set()) != want
    ]


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    entries = [(name, v) for name, values in WATCHLIST.items() for v in sorted(values)]
    connection.execute("CREATE TABLE oracle_watchlist (list VARCHAR, value VARCHAR)")
    connection.executemany("INSERT INTO oracle_watchlist VALUES (?, ?)", entries)
    connection.execute(
        "CREATE MACRO in_watchlist(l, v) AS "
        "(v IN (SELECT value FROM oracle_watchlist WHERE list = l))"
    )
    return connection


@pytest.fixture(scope="module")
def bulk_con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    return connection


def store(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """A DuckDB table holding ``table``, as the warehouse stores rows (a filter DuckDB pushes
    into a scan of registered Arrow data compares NaN by IEEE rules, unlike its own tables)."""
    con.register("arrow_rows", table)
    con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM arrow_rows")
    con.unregister("arrow_rows")


def _duckdb_bulk(con: duckdb.DuckDBPyConnection, snap: Snapshot, items: pa.Table) -> Matches:
    def register(name: str, table: pa.Table) -> None:
        store(con, name, table)

    return bulk(lambda q: con.execute(q).fetch_arrow_table(), register, snap, items, "duckdb")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(criteria=st.lists(condition(), min_size=1, max_size=6), data=rows(24))
def test_live_and_duckdb_bulk_agree_with_duckdb_on_the_written_criterion(
    con: duckdb.DuckDBPyConnection,
    bulk_con: duckdb.DuckDBPyConnection,
    criteria: list[str],
    data: list[dict[str, Any]],
) -> None:
    items = item_rows(data)
    snap, texts = snapshot(criteria)
    expected = oracle(con, items, texts)
    assert disagreements(expected, live(snap, items), texts) == []
    assert disagreements(expected, _duckdb_bulk(bulk_con, snap, items), texts) == []


@pytest.fixture(scope="module")
def spark(spark_session: Any) -> Iterator[Any]:
    from icrms.warehouse.spark import RUNTIME_CONF

    session = spark_session.newSession()
    for key, value in RUNTIME_CONF.items():
        session.conf.set(key, value)
    session.conf.set("spark.sql.shuffle.partitions", "1")
    yield session


@pytest.mark.spark
@settings(
    max_examples=max(6, EXAMPLES // 30),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(criteria=st.lists(condition(), min_size=10, max_size=14), data=rows(30))
def test_spark_bulk_agrees_with_duckdb_on_the_written_criterion(
    con: duckdb.DuckDBPyConnection, spark: Any, criteria: list[str], data: list[dict[str, Any]]
) -> None:
    items = item_rows(data)
    snap, texts = snapshot(criteria)
    expected = oracle(con, items, texts)

    def register(name: str, table: pa.Table) -> None:
        spark.createDataFrame(table).createOrReplaceTempView(name)

    got = bulk(lambda q: spark.sql(q).toArrow(), register, snap, items, "spark")
    assert disagreements(expected, got, texts) == []
