"""Printable reports: self-contained HTML (charts inline) and PDF printed by headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from icrms.errors import ConfigurationError
from icrms.kpis.reports import MonthlyReport, ProfileReport
from icrms.web import charts

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-pdf-header-footer",
    "--virtual-time-budget=15000",
)
_env = Environment(
    loader=PackageLoader("icrms.web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
WIDTH = 700  # chart width in CSS pixels: an A4 page between its margins


_env.filters["number"] = charts.number


def _static(fig: object) -> str:
    return charts.figure_div(fig, static=True)  # type: ignore[arg-type]


def render_monthly(report: MonthlyReport) -> str:
    """The monthly report as one self-contained HTML page."""
    r = report.results
    figures = {
        "channels": charts.series(
            r["channel_share_daily"], "period", "declarations", "channel",
            title="Declarations per day and channel", kind="bar", width=WIDTH,
        ),
        "sources": charts.bar(
            r["hit_rate_by_source"], "source", "hit_rate",
            title="Hit rate by selection source", percent=True, width=WIDTH, height=260,
        ),
        "release": charts.bar(
            r["release_time"], "channel", "median_hours",
            title="Median release time from lodgement (hours)", y_title="hours", width=WIDTH, height=260,
        ),
    }  # fmt: skip
    if "release_time_by_office" in r:
        figures["offices"] = charts.series(
            r["release_time_by_office"], "office", "median_hours", "channel",
            title="Median release time per office and channel (hours)", kind="bar",
            y_title="hours", width=WIDTH,
        )  # fmt: skip
        figures["offices"].update_layout(barmode="group")
    return _env.get_template("reports/monthly.html").render(
        report=report,
        figures={k: _static(f) for k, f in figures.items()},
        plotly_js=charts.plotly_js(),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def render_profiles(report: ProfileReport) -> str:
    """The profile-effectiveness report as one self-contained HTML page."""
    controls: dict[str, int] = {}
    for row in report.monthly.rows:
        controls[row["profile"]] = controls.get(row["profile"], 0) + int(row["controls"] or 0)
    flagged = [p.code for p in report.profiles if p.flags and p.code in controls]
    busiest = sorted(controls, key=lambda code: -controls[code])
    keep = (flagged + [c for c in busiest if c not in flagged])[:7]
    trend = charts.series(
        report.monthly, "period", "hit_rate", "profile",
        title="Hit rate per month: flagged profiles and those controlled most", percent=True,
        width=WIDTH, height=360, keep=keep,
    )  # fmt: skip
    return _env.get_template("reports/profiles.html").render(
        report=report,
        trend=_static(trend),
        plotly_js=charts.plotly_js(),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )


def chromium_path() -> Path:
    """The Chromium that prints PDFs: ``ICRMS_CHROMIUM`` is not needed when one is on PATH."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return Path(found)
    raise ConfigurationError(
        "a PDF report needs Chromium (apt-get install chromium); --format html needs nothing"
    )


def html_to_pdf(html: str, out: Path, *, chromium: Path | None = None) -> Path:
    """Print HTML to a PDF file with headless Chromium (charts rendered first)."""
    browser = chromium or chromium_path()
    with tempfile.TemporaryDirectory(prefix="icrms-report-") as folder:
        page = Path(folder) / "report.html"
        page.write_text(html, encoding="utf-8")
        done = subprocess.run(
            [
                str(browser),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={folder}/profile",
                f"--print-to-pdf={out.resolve()}",
                page.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    if done.returncode != 0 or not out.is_file():
        raise ConfigurationError(f"Chromium could not print {out}: {done.stderr.strip()[-400:]}")
    return out


def write_report(html: str, out: Path, fmt: str) -> Path:
    """Write the report as HTML or PDF."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "pdf":
        return html_to_pdf(html, out)
    out.write_text(html, encoding="utf-8")
    return out
