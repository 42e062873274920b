"""Dashboards in Chromium: every page draws its charts, and the figures shown are the KPI
layer's for the same filters; drill-down, filters in the URL, CSV export, refused filters."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from icrms.cli.demo import LIBRARY
from icrms.kpis.catalogue import FAMILIES, INDICATORS
from icrms.kpis.dashboards import PAGES, View, read_view
from icrms.kpis.schemas import KpiResult
from icrms.kpis.service import compute
from icrms.profiles import service as profiles
from icrms.profiles.files import read_profiles
from icrms.selectivity.bulk import bulk_assess_and_store
from icrms.selectivity.service import build_snapshot
from icrms.warehouse.base import open_warehouse
from icrms.web.charts import column_format, number
from tests.e2e.conftest import Served, log_in

pytestmark = pytest.mark.e2e
Shot = Callable[[object, str], Path]


@pytest.fixture
def history(served: Served) -> Served:
    """Generated declarations with control results, assessed by the demo's profile library."""
    served.ingest_history(declarations=1500)
    with served.store.session() as s:
        for profile in read_profiles(LIBRARY):
            if "in_watchlist" in profile.criteria:
                continue
            profiles.import_profile(s, profile=profile, actor="seed")
            profiles.set_status(
                s, code=profile.code, status="active", approved_by="seed-2", today=date(2025, 1, 1)
            )
        snapshot = build_snapshot(
            s, secret=served.settings.selectivity_secret(), today=date(2025, 6, 30)
        )
    with open_warehouse(served.settings) as wh:
        bulk_assess_and_store(wh, snapshot, items_sql="SELECT * FROM fact_item")
    served.add_user("mona", "manager")
    return served


def kpi(served: Served, name: str, params: dict[str, str], by: tuple[str, ...]) -> KpiResult:
    """The KPI layer's answer for a dashboard URL's parameters (read while the server idles)."""
    query = read_view(params).query.model_copy(update={"by": by})
    with open_warehouse(served.settings) as wh:
        return compute(wh, name, query)


def charts_drawn(page: object) -> int:
    """Wait until every chart of the page is drawn by Plotly; how many there are."""
    count = int(page.locator("[data-chart]").count())  # type: ignore[attr-defined]
    expect(page.locator("[data-chart][data-rendered]")).to_have_count(count)  # type: ignore[attr-defined]
    drawn = page.locator("[data-chart][data-rendered]:has(svg.main-svg g.trace)")  # type: ignore[attr-defined]
    assert drawn.count() == count
    return count


def table_of(page: object, name: str) -> list[dict[str, str]]:
    """A panel's table as text, column by column."""
    rows = page.locator(f"[data-testid=table-{name}] tbody tr")  # type: ignore[attr-defined]
    out = []
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        out.append(
            {
                cells.nth(j).get_attribute("data-column"): cells.nth(j).inner_text().strip()
                for j in range(cells.count())
            }
        )
    return out


def shown(result: KpiResult) -> list[dict[str, str]]:
    """How a result's rows read on the page."""
    out = []
    for row in result.rows[:200]:
        out.append(
            {
                c: (str(v) if v is not None else "–")
                if isinstance(v, str) or v is None
                else number(v, column_format(c))
                for c, v in row.items()
            }
        )
    return out


def test_a_manager_reads_every_dashboard_and_the_figures_are_the_kpi_layers(
    page: object, history: Served, shot: Shot
) -> None:
    log_in(page, "mona")
    page.click("nav >> text=Dashboards")  # type: ignore[attr-defined]
    page.wait_for_url("**/dashboards")  # type: ignore[attr-defined]
    assert charts_drawn(page) >= 3
    overview = kpi(history, "inspection_rate", {}, ())
    row = overview.rows[0]
    assert page.inner_text("[data-testid=figure-inspection_rate-declarations]") == number(  # type: ignore[attr-defined]
        row["declarations"], "count"
    )
    assert page.inner_text("[data-testid=figure-inspection_rate-inspection_rate]") == number(  # type: ignore[attr-defined]
        row["inspection_rate"], "percent"
    )
    revenue = kpi(history, "revenue_recovered", {}, ()).rows[0]
    assert page.inner_text("[data-testid=figure-revenue_recovered-revenue]") == number(  # type: ignore[attr-defined]
        revenue["revenue"], "amount"
    )
    shot(page, "dashboard-overview")
    for family, title in FAMILIES.items():
        page.click(f".dash-nav >> text={title}")  # type: ignore[attr-defined]
        page.wait_for_url(f"**/dashboards/{family}")  # type: ignore[attr-defined]
        assert charts_drawn(page) >= 1, family
        for panel in PAGES[family]:
            view = View({}, read_view({}).query, None)
            result = kpi(history, panel.indicator, {}, view.panel_query(panel).by)
            if result.rows:
                assert table_of(page, panel.indicator) == shown(result), panel.indicator
        shot(page, f"dashboard-{family}")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_drill_down_filters_in_the_url_and_csv(page: object, history: Served, shot: Shot) -> None:
    log_in(page, "mona")
    page.goto("/dashboards/time")  # type: ignore[attr-defined]
    charts_drawn(page)
    first_office = page.locator("[data-testid=table-release_time] td[data-column=office] a").first  # type: ignore[attr-defined]
    office = first_office.inner_text()
    first_office.click()
    page.wait_for_url(f"**/dashboards/time?office={office}")  # type: ignore[attr-defined]
    assert f"office {office}" in page.inner_text("[data-testid=active-filters]")  # type: ignore[attr-defined]
    result = kpi(history, "release_time", {"office": office}, ("office",))
    assert {r["office"] for r in result.rows} == {office}
    assert table_of(page, "release_time") == shown(result)
    shot(page, "dashboard-time-office")

    # a shared link: quarter and HS section from the URL, broken down by period
    params = {"period": "2025-Q2", "hs_section": "XI", "by": "period"}
    page.goto("/dashboards/selectivity?" + "&".join(f"{k}={v}" for k, v in params.items()))  # type: ignore[attr-defined]
    charts_drawn(page)
    expected = kpi(history, "inspection_rate", params, ("period",))
    assert [r["period"] for r in expected.rows] == ["2025-04", "2025-05", "2025-06"]
    assert table_of(page, "inspection_rate") == shown(expected)
    # a click on a month's bar drills into that month, day by day
    n, month = next((n, r["period"]) for n, r in enumerate(expected.rows) if r["inspection_rate"])
    bar = page.locator("[data-testid=chart-inspection_rate] .point path").nth(n)  # type: ignore[attr-defined]
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()  # Plotly's drag layer lies over the bars: click where a user would
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # type: ignore[attr-defined]
    page.wait_for_url(f"**/dashboards/selectivity?period={month}&grain=day&by=period*")  # type: ignore[attr-defined]
    charts_drawn(page)
    days = kpi(history, "inspection_rate", {**params, "period": month, "grain": "day"}, ("period",))
    assert table_of(page, "inspection_rate") == shown(days)
    shot(page, "dashboard-drilled-to-days")

    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.click("[data-testid=csv-inspection_rate]")  # type: ignore[attr-defined]
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["period"] for r in rows] == [r["period"] for r in days.rows]
    assert [int(r["declarations"]) for r in rows] == [r["declarations"] for r in days.rows]
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_unknown_pages_filters_and_values_are_named(
    page: object, history: Served, shot: Shot
) -> None:
    log_in(page, "mona")
    page.goto("/dashboards/selectivity?colour=red")  # type: ignore[attr-defined]
    error = page.inner_text("[data-testid=dashboard-error]")  # type: ignore[attr-defined]
    assert "colour" in error and "office" in error  # the unknown one, and the known ones
    assert page.locator("[data-chart]").count() == 0  # type: ignore[attr-defined]
    shot(page, "dashboard-unknown-filter")
    page.goto("/dashboards/detection?office=9999")  # type: ignore[attr-defined]
    assert "office='9999'" in page.inner_text("[data-testid=dashboard-error]")  # type: ignore[attr-defined]
    page.goto("/dashboards?grain=fortnight")  # type: ignore[attr-defined]
    assert "grain='fortnight'" in page.inner_text("[data-testid=dashboard-error]")  # type: ignore[attr-defined]
    page.goto("/dashboards?period=2031-01")  # type: ignore[attr-defined]
    assert "No declarations match" in page.inner_text("[data-testid=dashboard-empty]")  # type: ignore[attr-defined]
    page.goto("/dashboards/weather")  # type: ignore[attr-defined]
    body = page.inner_text("main")  # type: ignore[attr-defined]
    assert "weather" in body and "selectivity" in body
    response = page.request.get("/dashboards/csv/happiness")  # type: ignore[attr-defined]
    assert response.status == 422 and "happiness" in response.text()
    assert all(name in response.text() for name in list(INDICATORS)[:3])
    page.console_errors.clear()  # type: ignore[attr-defined]  # the browser logs the 404/422 pages


def test_officers_cannot_open_dashboards(page: object, history: Served) -> None:
    history.add_user("otto", "officer", office="0010")
    log_in(page, "otto")
    assert "Dashboards" not in page.inner_text("nav")  # type: ignore[attr-defined]
    response = page.goto("/dashboards")  # type: ignore[attr-defined]
    assert response.status == 403
    page.console_errors.clear()  # type: ignore[attr-defined]
