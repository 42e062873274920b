"""Dashboard views read from the URL, drill-down links, profiles that stopped hitting, CSV."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from icrms.errors import NotFoundError, ValidationError
from icrms.kpis.dashboards import PAGES, Panel, page_panels, read_view, stopped_hitting
from icrms.kpis.schemas import KpiResult
from icrms.web.dashboards import to_csv


def test_the_url_becomes_a_query_and_a_breakdown() -> None:
    view = read_view({"period": "2025-10", "office": "0020", "grain": "week", "by": "office"})
    assert view.query.filters.date_from == date(2025, 10, 1)
    assert view.query.filters.date_to == date(2025, 10, 31)
    assert view.query.filters.office == "0020" and view.query.grain == "week"
    # the URL's breakdown replaces a panel's own, where the indicator accepts it
    assert view.panel_query(Panel("release_time", ("period",))).by == ("office",)
    assert view.panel_query(Panel("top_origins")).by == ()
    assert read_view({"by": "none"}).panel_query(Panel("channel_share", ("period",))).by == ()
    assert read_view({"office": ""}).query.filters.office is None  # empty form fields are unset


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"colour": "red"}, "filter"),
        ({"grain": "fortnight"}, "grain"),
        ({"by": "trader"}, "by"),
        ({"period": "2025-13"}, "period"),
        ({"channel": "purple"}, "channel"),
        ({"hs_section": "XXX"}, "hs_section"),
        ({"from": "2025-10-05", "to": "2025-10-01"}, "date_to"),
    ],
)
def test_bad_parameters_are_named(params: dict[str, str], named: str) -> None:
    with pytest.raises(ValidationError) as caught:
        read_view(params)
    assert caught.value.field == named
    assert str(caught.value.value) in str(caught.value)  # the message names the value too


def test_unknown_pages_list_the_known_ones() -> None:
    with pytest.raises(NotFoundError, match="overview, selectivity"):
        page_panels("weather")
    assert [p.indicator for p in page_panels("time")] == ["release_time", "control_time"]
    assert sum(len(p) for p in PAGES.values()) == 17  # every indicator has a page


def test_drill_down_narrows_the_view() -> None:
    view = read_view({"period": "2025", "channel": "red"})
    path = "/dashboards/time"
    assert view.drill(path, "office", "0020") == (
        "/dashboards/time?period=2025&office=0020&channel=red"
    )
    assert view.drill(path, "period", "2025-10") == (
        "/dashboards/time?period=2025-10&grain=day&by=period&channel=red"
    )
    weekly = read_view({"grain": "week"})
    assert weekly.drill(path, "period", "2025-10-06") == (
        "/dashboards/time?from=2025-10-06&to=2025-10-12&grain=day&by=period"
    )
    assert view.drill(path, "profile", "REV-X") == "/profiles/REV-X"
    assert view.drill(path, "source", "random") is None


def test_a_profile_that_stopped_hitting_is_named() -> None:
    def row(period: str, profile: str, controls: int, hits: int) -> dict[str, object]:
        return {"period": period, "profile": profile, "controls": controls, "hits": hits}

    rows = [
        row("2025-01", "QUIET", 5, 3),
        row("2025-02", "QUIET", 4, 2),
        row("2025-03", "QUIET", 3, 0),
        row("2025-04", "QUIET", 2, 0),
        row("2025-05", "QUIET", 1, 0),
        row("2025-01", "STEADY", 5, 1),
        row("2025-05", "STEADY", 5, 1),
        row("2025-01", "NEVER", 5, 0),
        row("2025-05", "NEVER", 5, 0),
        row("2025-01", "UNCONTROLLED", 5, 2),
    ]
    quiet = stopped_hitting(rows)
    assert [(q.profile, q.last_hit, q.hits_before, q.controls_since) for q in quiet] == [
        ("QUIET", "2025-02", 5, 6)
    ]


def test_csv_cells_cannot_run_as_formulas() -> None:
    result = KpiResult(
        name="trader_ranking", title="t", family="rankings", unit="count", filters={}, by=[],
        grain="month", columns=["importer", "hits", "revenue"],
        rows=[{"importer": "=HYPERLINK(\"http://x\")", "hits": -3, "revenue": None},
              {"importer": "@SUM(A1)", "hits": 2, "revenue": 1.5}],
    )  # fmt: skip
    rows = list(csv.reader(io.StringIO(to_csv(result))))
    assert rows[0] == ["importer", "hits", "revenue"]
    assert rows[1] == ['\'=HYPERLINK("http://x")', "-3", ""]
    assert rows[2] == ["'@SUM(A1)", "2", "1.5"]
