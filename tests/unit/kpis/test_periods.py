"""Trends group rows by a cheap period number, labelled after grouping: the label of the number
DuckDB computes for a day must be that day's period as the calendar gives it (ISO week's
Monday, month, quarter)."""

from __future__ import annotations

from datetime import date

import duckdb
from hypothesis import given
from hypothesis import strategies as st

from icrms.kpis.sql import KpiDialect, period_label

GRAINS = ("day", "week", "month", "quarter")
con = duckdb.connect()


@given(day=st.dates(date(1990, 1, 1), date(2099, 12, 31)), grain=st.sampled_from(GRAINS))
def test_the_label_of_the_period_number_is_the_period_of_the_day(day: date, grain: str) -> None:
    key = KpiDialect("duckdb").period_key(f"{day:%Y%m%d}", grain)
    number = con.sql(f"SELECT {key}").fetchone()[0]  # type: ignore[index]
    monday = date.fromordinal(day.toordinal() - day.weekday())
    expected = {
        "day": day.isoformat(),
        "week": monday.isoformat(),
        "month": f"{day:%Y-%m}",
        "quarter": f"{day.year}-Q{(day.month + 2) // 3}",
    }[grain]
    assert period_label(number, grain) == expected


def test_period_numbers_sort_as_their_labels() -> None:
    days = [date(2024, 12, 30), date(2025, 1, 5), date(2025, 3, 31), date(2025, 10, 3)]
    for grain in GRAINS:
        key = KpiDialect("duckdb").period_key("k", grain)
        numbers = [
            con.sql(f"SELECT {key} FROM (SELECT {d:%Y%m%d} AS k)").fetchone()[0]  # type: ignore[index]
            for d in days
        ]
        labels = [period_label(n, grain) for n in numbers]
        assert sorted(numbers) == numbers and sorted(labels) == labels  # type: ignore[type-var]
