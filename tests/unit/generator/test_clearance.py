"""Clearance times and channels of generated declarations: ordered milestones, realistic shapes."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from icrms.generator import GenerateResult


@pytest.fixture(scope="module")
def decl(sample: tuple[GenerateResult, pa.Table]) -> duckdb.DuckDBPyConnection:
    """One row per generated declaration, its times as timestamps, in an in-memory DuckDB."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.register("raw", sample[1])
    con.execute(
        """CREATE TABLE d AS SELECT declaration_id, office_code, channel,
               lodged_at::TIMESTAMPTZ AS lodged, assessed_at::TIMESTAMPTZ AS assessed,
               control_started_at::TIMESTAMPTZ AS started, controlled_at::TIMESTAMPTZ AS finished,
               released_at::TIMESTAMPTZ AS released, control_outcome AS outcome,
               control_selection AS selection, hs_code, country_of_export, transport_mode
           FROM raw WHERE item_no = 1"""
    )
    return con


def test_milestones_follow_each_other(decl: duckdb.DuckDBPyConnection) -> None:
    broken = decl.sql(
        """SELECT count(*) FROM d WHERE NOT (lodged < assessed
               AND (outcome IS NULL OR (assessed < started AND started < finished))
               AND (released IS NULL OR released > coalesce(finished, assessed)))"""
    ).fetchone()
    assert broken == (0,)


def test_channel_agrees_with_the_control(decl: duckdb.DuckDBPyConnection) -> None:
    rows = dict(
        decl.sql(
            """SELECT channel || '/' || (outcome IS NOT NULL)::VARCHAR, count(*) FROM d GROUP BY 1"""
        ).fetchall()
    )
    assert set(rows) == {"green/false", "blue/false", "yellow/true", "red/true"}
    assert rows["green/false"] > 0.85 * sum(rows.values())
    seized_released = decl.sql(
        "SELECT count(*) FROM d WHERE outcome = 'seizure' AND released IS NOT NULL"
    ).fetchone()
    assert seized_released == (0,)


def test_red_takes_longer_than_yellow_and_green(decl: duckdb.DuckDBPyConnection) -> None:
    hours = dict(
        decl.sql(
            """SELECT channel, median(epoch(released) - epoch(lodged)) / 3600 FROM d
               GROUP BY channel"""
        ).fetchall()
    )
    assert hours["green"] < 1 < hours["yellow"] < hours["red"]


def test_the_slow_office_gets_slower_through_the_year(decl: duckdb.DuckDBPyConnection) -> None:
    rows = decl.sql(
        """SELECT office_code = '0030' AS slow, month(lodged) > 9 AS late,
                  median(epoch(started) - epoch(assessed)) AS wait
           FROM d WHERE started IS NOT NULL GROUP BY ALL"""
    ).fetchall()
    wait = {(slow, late): w for slow, late, w in rows}
    assert wait[(True, True)] > 2.5 * wait[(True, False)]
    assert wait[(True, True)] > 2 * wait[(False, True)]


def test_lodgements_follow_the_seasons(decl: duckdb.DuckDBPyConnection) -> None:
    per_month = dict(decl.sql("SELECT month(lodged), count(*) FROM d GROUP BY 1").fetchall())
    assert per_month[11] > 1.3 * per_month[2]
    weekend = decl.sql(
        "SELECT avg(CASE WHEN isodow(lodged + INTERVAL 9 HOUR) >= 6 THEN 1 ELSE 0 END) FROM d"
    ).fetchone()
    assert weekend is not None and weekend[0] < 0.15  # two days of seven, at 0.5 and 0.2 volume


def test_the_emerging_route_starts_in_september(decl: duckdb.DuckDBPyConnection) -> None:
    rows = decl.sql(
        """SELECT month(lodged) >= 9 AS late, count(*) AS n,
                  count(*) FILTER (WHERE outcome = 'seizure') AS seizures
           FROM d WHERE left(hs_code, 4) = '0901' AND country_of_export = 'BR'
             AND transport_mode = '1' GROUP BY 1"""
    ).fetchall()
    by = {late: (n, seizures) for late, n, seizures in rows}
    assert by[False][1] == 0 and by[True][1] >= 5
    # the cigarette route ended in mid-July: no seizure of cigarettes after that
    late_cigarettes = decl.sql(
        """SELECT count(*) FROM d JOIN raw r USING (declaration_id)
           WHERE r.item_no = 1 AND r.seizure_goods LIKE 'cigarettes%' AND lodged >= '2025-07-16'"""
    ).fetchone()
    assert late_cigarettes == (0,)
