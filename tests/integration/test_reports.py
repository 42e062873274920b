"""Reports: the monthly and profile-effectiveness reports as HTML and PDF, figures from the KPI layer."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from icrms.generator import generate
from icrms.ingest.flows import ingest_file
from icrms.kpis.reports import monthly_report
from icrms.kpis.schemas import KpiFilters, KpiQuery
from icrms.kpis.service import compute
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse
from icrms.web.reports import render_monthly


@pytest.fixture
def filled(tmp_path: Path, workspace: Settings) -> Settings:
    data = tmp_path / "declarations.parquet"
    generate(3000, 5, data)
    with DuckDBWarehouse(workspace.warehouse_path) as wh:
        ingest_file(wh, data, fmt="native", settings=workspace)
    return workspace


def _icrms(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "icrms", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ),
    )


def test_monthly_report_in_html_and_pdf_shows_the_kpi_layers_figures(filled: Settings) -> None:
    with DuckDBWarehouse(filled.warehouse_path) as wh:
        report = monthly_report(wh, period="2025-10", office="0020")
        html = render_monthly(report)
        october = KpiQuery(
            filters=KpiFilters(date_from=report.date_from, date_to=report.date_to, office="0020")
        )
        declarations = compute(wh, "inspection_rate", october).rows[0]["declarations"]
        release = compute(wh, "release_time", october).rows
    assert "Risk management report — 2025-10" in html and "office 0020" in html
    assert re.search(rf'<div class="value">{declarations:,}</div>', html)
    for row in release:
        assert f"{row['median_hours']:.1f} h" in html
    assert html.count('class="plotly-graph-div"') == 3  # channels, sources, release times
    assert "<script src=" not in html  # plotly.js is inline: nothing is fetched
    out = filled.home / "r"
    pdf = _icrms(
        "report", "monthly", "--period", "2025-11", "--format", "pdf",
        "--out", str(out / "m.pdf"), "--json",
    )  # fmt: skip
    assert pdf.returncode == 0, pdf.stderr
    assert json.loads(pdf.stdout)["file"].endswith("m.pdf")
    content = (out / "m.pdf").read_bytes()
    assert content.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", content)) >= 2
    assert len(content) > 20_000
    bad = _icrms("report", "monthly", "--period", "2025-Q4")
    assert bad.returncode == 2 and "period='2025-Q4'" in bad.stderr
    kpi = _icrms("kpis", "hit_rate", "--json")
    assert kpi.returncode == 2 and "indicator='hit_rate'" in kpi.stderr
