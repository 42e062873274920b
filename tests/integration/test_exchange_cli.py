"""The exchange from the command line: identities, partners, agreement, share, export, import, inbox."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from icrms.cli import app
from icrms.settings import get_settings

PROFILE = """
code: REV-UV-PHONES
name: Undervalued smartphones
purpose: Smartphones declared far below the usual unit value
category: revenue
criteria: "hs6 = '851713' AND unit_value < 100"
score: 70
"""


def run(monkeypatch: pytest.MonkeyPatch, home: Path, code: str, *args: str, ok: bool = True) -> str:
    for name in list(os.environ):
        if name.startswith("ICRMS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("ICRMS_HOME", str(home))
    monkeypatch.setenv("ICRMS_EXCHANGE__ADMINISTRATION", code)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, list(args))
    get_settings.cache_clear()
    assert (result.exit_code == 0) == ok, result.output
    return result.output


def test_two_administrations_exchange_files(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    ida = json.loads(run(monkeypatch, a, "XA", "identity", "show", "--json"))
    idb = json.loads(run(monkeypatch, b, "XB", "identity", "show", "--json"))
    assert len(ida["fingerprint"].split(":")) == 16 and ida["fingerprint"] != idb["fingerprint"]
    (tmp_path / "a.json").write_text(json.dumps(ida))
    (tmp_path / "b.json").write_text(json.dumps(idb))
    run(
        monkeypatch, a, "XA", "exchange", "partners", "add", "--from-file", str(tmp_path / "b.json")
    )
    run(
        monkeypatch, b, "XB", "exchange", "partners", "add", "--from-file", str(tmp_path / "a.json")
    )
    wrong = run(
        monkeypatch,
        a,
        "XA",
        "exchange",
        "partners",
        "confirm",
        "XB",
        "--fingerprint",
        ida["fingerprint"],
        ok=False,
    )
    assert "does not match" in wrong
    run(
        monkeypatch,
        a,
        "XA",
        "exchange",
        "partners",
        "confirm",
        "XB",
        "--fingerprint",
        idb["fingerprint"],
    )
    run(
        monkeypatch,
        b,
        "XB",
        "exchange",
        "partners",
        "confirm",
        "XA",
        "--fingerprint",
        ida["fingerprint"],
    )
    run(monkeypatch, a, "XA", "exchange", "agreement", "set", "XB", "--send", "indicator")
    run(monkeypatch, b, "XB", "exchange", "agreement", "set", "XA", "--receive", "indicator")
    (tmp_path / "p.yaml").write_text(PROFILE)
    run(monkeypatch, a, "XA", "profiles", "add", str(tmp_path / "p.yaml"))
    sent = json.loads(
        run(
            monkeypatch,
            a,
            "XA",
            "exchange",
            "share",
            "profile",
            "REV-UV-PHONES",
            "--to",
            "XB",
            "--tlp",
            "green",
            "--json",
        )
    )
    assert sent[0]["recipients"] == ["XB"] and sent[0]["tlp"] == "green"
    out = tmp_path / "outgoing"
    run(monkeypatch, a, "XA", "exchange", "export", "--partner", "XB", "--out", str(out))
    files = sorted(out.glob("bundle--*.json"))
    assert len(files) == 1
    got = json.loads(run(monkeypatch, b, "XB", "exchange", "import", str(files[0]), "--json"))
    assert got[0]["status"] == "accepted"
    again = run(monkeypatch, b, "XB", "exchange", "import", str(files[0]), ok=False)
    assert "refused" in again and "replay" in again
    items = json.loads(run(monkeypatch, b, "XB", "exchange", "inbox", "list", "--json"))
    assert [(i["object_type"], i["state"], i["tlp"]) for i in items] == [
        ("indicator", "new", "green")
    ]
    profile = json.loads(
        run(monkeypatch, b, "XB", "exchange", "inbox", "adopt", str(items[0]["id"]), "--json")
    )
    assert profile["code"] == "XA.REV-UV-PHONES" and profile["status"] == "draft"
    log = json.loads(run(monkeypatch, b, "XB", "exchange", "received", "--refused", "--json"))
    assert len(log) == 1 and log[0]["reason"].startswith("replay:")
    schema = json.loads(run(monkeypatch, b, "XB", "exchange", "schema"))
    assert "bundle-header" in schema["$defs"]


def test_identity_needs_an_administration_code(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("ICRMS_EXCHANGE__ADMINISTRATION", raising=False)
    monkeypatch.setenv("ICRMS_HOME", str(tmp_path / "ws"))
    get_settings.cache_clear()
    result = CliRunner().invoke(app, ["identity", "show"])
    get_settings.cache_clear()
    assert result.exit_code == 2 and "ICRMS_EXCHANGE__ADMINISTRATION" in result.output


def test_pre_arrival_mirror_and_aggregates(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A (exporting country) sends pre-arrival data; B matches it to its imports and sees the gaps."""
    a, b = tmp_path / "a", tmp_path / "b"
    ida = json.loads(run(monkeypatch, a, "XA", "identity", "show", "--json"))
    idb = json.loads(run(monkeypatch, b, "XB", "identity", "show", "--json"))
    for home, code, other, info in ((a, "XA", "XB", idb), (b, "XB", "XA", ida)):
        (tmp_path / f"{other}.json").write_text(json.dumps(info))
        run(
            monkeypatch,
            home,
            code,
            "exchange",
            "partners",
            "add",
            "--from-file",
            str(tmp_path / f"{other}.json"),
        )
        run(
            monkeypatch,
            home,
            code,
            "exchange",
            "partners",
            "confirm",
            other,
            "--fingerprint",
            info["fingerprint"],
        )
    run(
        monkeypatch,
        a,
        "XA",
        "exchange",
        "agreement",
        "set",
        "XB",
        "--send",
        "pre-arrival,aggregate-statistics",
        "--share-traders",
    )
    run(
        monkeypatch,
        b,
        "XB",
        "exchange",
        "agreement",
        "set",
        "XA",
        "--receive",
        "pre-arrival,aggregate-statistics",
        "--share-traders",
    )
    imports, exports = tmp_path / "imports.parquet", tmp_path / "exports.parquet"
    run(
        monkeypatch,
        b,
        "XB",
        "generate",
        "--declarations",
        "1500",
        "--seed",
        "4",
        "--out",
        str(imports),
    )
    made = json.loads(
        run(
            monkeypatch,
            a,
            "XA",
            "exchange",
            "generate-exports",
            "--declarations",
            "1500",
            "--seed",
            "4",
            "--out",
            str(exports),
            "--countries",
            "CN,VN",
            "--destination",
            "XB",
            "--json",
        )
    )
    assert made["export_declarations"] > 100
    sent = json.loads(
        run(
            monkeypatch,
            a,
            "XA",
            "exchange",
            "share",
            "pre-arrival",
            str(exports),
            "--to",
            "XB",
            "--json",
        )
    )
    assert len(sent) == -(-made["export_declarations"] // 500)
    run(
        monkeypatch,
        a,
        "XA",
        "exchange",
        "export",
        "--partner",
        "XB",
        "--out",
        str(tmp_path / "out"),
    )
    got = json.loads(
        run(
            monkeypatch,
            b,
            "XB",
            "exchange",
            "import",
            *map(str, sorted((tmp_path / "out").glob("*.json"))),
            "--json",
        )
    )
    assert [r["status"] for r in got] == ["accepted"] * len(sent)
    (tmp_path / "rates.csv").write_text(
        "currency,valid_from,usd_per_unit\nUSD,2000-01-01,1\nEUR,2000-01-01,1.08\nJPY,2000-01-01,0.0067\nGBP,2000-01-01,1.27\nCHF,2000-01-01,1.12\nCNY,2000-01-01,0.138\n"
    )
    run(monkeypatch, b, "XB", "exchange", "rates", "load", str(tmp_path / "rates.csv"))
    run(monkeypatch, b, "XB", "ingest", str(imports))
    report = json.loads(run(monkeypatch, b, "XB", "exchange", "mirror", "--top", "5", "--json"))
    assert sum(report["summary"]["matched"].values()) == made["export_declarations"]
    # honest items compare at about 1.0-1.25 (our CIF over their FOB); the generator declares
    # undervalued goods at 0.45-0.85 of their value, so the largest gap is below the honest band
    assert report["largest_gaps"][0]["mirror_value_ratio"] < 0.9
    cells = json.loads(
        run(
            monkeypatch,
            b,
            "XB",
            "exchange",
            "aggregates",
            "show",
            "--from",
            "2025-01-01",
            "--until",
            "2025-12-31",
            "--json",
        )
    )
    assert cells and all(c["declarations"] >= 10 for c in cells)
