"""The threat page in Chromium: the planted route reported with its evidence and chart, a profile
drafted from it going through the normal flow (backtest, approval by a second analyst); reports
downloaded from the web application."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import expect

from icrms.generator import generate
from icrms.ingest.flows import ingest_file
from icrms.kpis.threats import find_threats
from icrms.warehouse.base import open_warehouse
from tests.e2e.conftest import Served, log_in

pytestmark = pytest.mark.e2e
Shot = Callable[[object, str], Path]


@pytest.fixture
def demo_data(served: Served) -> Served:
    """The demo's generated year (it carries the planted cocaine-in-coffee route)."""
    path = served.settings.home / "demo.parquet"
    generate(declarations=20_000, seed=7, out=path, fmt="native")
    with open_warehouse(served.settings) as wh:
        ingest_file(wh, path, fmt="native", settings=served.settings)
    for name, role in (("ana", "analyst"), ("ben", "analyst"), ("mona", "manager")):
        served.add_user(name, role)
    return served


def test_the_planted_threat_becomes_an_approved_profile(
    page: object, demo_data: Served, shot: Shot
) -> None:
    with open_warehouse(demo_data.settings) as wh:
        reported = [t for t in find_threats(wh) if t.significant]
    assert [(t.segment, t.measure) for t in reported] == [("0901-BR-1", "seizure")]
    threat = reported[0]
    log_in(page, "ana")
    page.goto("/dashboards")  # type: ignore[attr-defined]
    page.click(".dash-nav >> text=Threats")  # type: ignore[attr-defined]
    page.wait_for_url("**/threats")  # type: ignore[attr-defined]
    card = page.locator("[data-testid=threat-0901-BR-1-seizure]")  # type: ignore[attr-defined]
    recent = f"{threat.recent_hits} / {threat.recent_controls}"
    assert card.locator("[data-testid=recent]").inner_text().startswith(recent)
    before = f"{threat.history_hits} / {threat.history_controls}"
    assert card.locator("[data-testid=history]").inner_text().startswith(before)
    expect(card.locator("[data-chart][data-rendered]")).to_have_count(1)
    assert "1 segment reported" in page.inner_text("[data-testid=threat-summary]")  # type: ignore[attr-defined]
    shot(page, "threats")
    card.locator("text=Draft a profile from this segment").click()
    page.wait_for_url("**/profiles/THREAT-0901-BR-1")  # type: ignore[attr-defined]
    body = page.inner_text("main")  # type: ignore[attr-defined]
    assert "draft" in body and "hs4 = '0901'" in body
    page.fill("input[name=date_from]", "2025-01-01")  # type: ignore[attr-defined]
    page.fill("input[name=date_to]", "2025-12-31")  # type: ignore[attr-defined]
    page.click("text=Backtest version 1")  # type: ignore[attr-defined]
    page.locator("[data-testid=backtest-report]").wait_for(timeout=120_000)  # type: ignore[attr-defined]
    assert int(page.inner_text("[data-testid=bt-matches]").replace(",", "")) > 0  # type: ignore[attr-defined]
    page.click("text=Ask for approval")  # type: ignore[attr-defined]
    assert "waits for a second analyst" in page.inner_text("[data-testid=approval-state]")  # type: ignore[attr-defined]
    shot(page, "threat-profile-drafted")
    page.click("text=Log out")  # type: ignore[attr-defined]
    log_in(page, "ben")
    page.goto("/profiles/approvals")  # type: ignore[attr-defined]
    page.click("text=Approve and switch on")  # type: ignore[attr-defined]
    page.goto("/profiles/THREAT-0901-BR-1")  # type: ignore[attr-defined]
    assert "approved by ben" in page.inner_text("body")  # type: ignore[attr-defined]
    # drafting the same segment again leads to the profile, not to a second one
    page.goto("/threats")  # type: ignore[attr-defined]
    page.locator("[data-testid=threat-0901-BR-1-seizure] >> text=Draft a profile").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/profiles/THREAT-0901-BR-1")  # type: ignore[attr-defined]
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_managers_read_threats_and_download_reports(
    page: object, demo_data: Served, shot: Shot
) -> None:
    log_in(page, "mona")
    page.goto("/threats?as_of=2025-08-31")  # type: ignore[attr-defined]
    assert "0 segments reported at 2025-08-31" in page.inner_text("[data-testid=threat-summary]")  # type: ignore[attr-defined]
    page.goto("/threats")  # type: ignore[attr-defined]
    assert page.locator("text=Draft a profile").count() == 0  # type: ignore[attr-defined]  # analysts draft
    page.goto("/threats?measure=smuggling")  # type: ignore[attr-defined]
    assert "measure='smuggling'" in page.inner_text("[data-testid=threat-error]")  # type: ignore[attr-defined]
    page.console_errors.clear()  # type: ignore[attr-defined]  # the 422 page
    page.goto("/reports")  # type: ignore[attr-defined]
    shot(page, "reports")
    form = page.locator("[data-testid=monthly-form]")  # type: ignore[attr-defined]
    form.locator("select[name=period]").select_option("2025-10")
    with page.expect_download() as html:  # type: ignore[attr-defined]
        form.locator("text=Download HTML").click()
    text = Path(html.value.path()).read_text(encoding="utf-8")
    assert "Risk management report — 2025-10" in text and "0901-BR-1" in text
    with page.expect_download(timeout=180_000) as pdf:  # type: ignore[attr-defined]
        form.locator("text=Download PDF").click()
    assert pdf.value.suggested_filename == "monthly-2025-10-all.pdf"
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF")
    profiles = page.locator("[data-testid=profiles-form]")  # type: ignore[attr-defined]
    profiles.locator("select[name=period]").select_option("2025")
    with page.expect_download() as report:  # type: ignore[attr-defined]
        profiles.locator("text=Download HTML").click()
    assert "Profile effectiveness" in Path(report.value.path()).read_text(encoding="utf-8")
    response = page.request.get("/reports/monthly?period=2025-13&format=html")  # type: ignore[attr-defined]
    assert response.status == 422 and "2025-13" in response.text()
    assert page.console_errors == []  # type: ignore[attr-defined]
