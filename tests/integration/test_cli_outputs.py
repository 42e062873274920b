"""What the command line writes: JSON everywhere, no link followed, nothing the terminal acts on."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from icrms.cli import app
from icrms.cli.common import visible
from icrms.settings import Settings
from tests.integration.test_assess_cli import PROFILES

runner = CliRunner()


def test_profiles_export_has_json_and_replaces_a_link(workspace: Settings, tmp_path: Path) -> None:
    """Before: no --json option, and --out wrote through a link to its target."""
    source = tmp_path / "p.yaml"
    source.write_text(PROFILES)
    assert runner.invoke(app, ["profiles", "add", str(source)]).exit_code == 0
    shown = runner.invoke(app, ["profiles", "export", "--json"])
    assert shown.exit_code == 0, shown.output
    assert [p["code"] for p in json.loads(shown.stdout)] == ["REV-FTA-MISMATCH", "REV-LOW-VALUE-CN"]
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "export.yaml"
    out.symlink_to(victim)
    written = runner.invoke(app, ["profiles", "export", "--out", str(out), "--json"])
    assert written.exit_code == 0, written.output
    assert json.loads(written.stdout) == {"file": str(out), "format": "yaml", "profiles": 2}
    assert victim.read_text() == "precious\n" and not out.is_symlink()
    assert "REV-LOW-VALUE-CN" in out.read_text()


def test_terminal_escapes_and_hidden_characters_are_shown_not_obeyed() -> None:
    assert visible("hs6 = '1'\x1b[2K\rhs6 = '2'") == "hs6 = '1'\\x1b[2K\\rhs6 = '2'"
    assert visible("a\u202eb\u200bc\u2066") == "a\\u202eb\\u200bc\\u2066"
    assert visible("Zürich İSTANBUL") == "Zürich İSTANBUL"
