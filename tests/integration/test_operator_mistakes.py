"""Operator mistakes are refused before harm is done (issue 8 item 9)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from icrms.cli import app
from icrms.errors import ConfigurationError
from icrms.settings import Settings, get_settings
from tests.factories import native_row, write_csv

runner = CliRunner()


def invoke(args: list[str], monkeypatch: pytest.MonkeyPatch, **env: str) -> tuple[int, str]:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    result = runner.invoke(app, args)
    get_settings.cache_clear()
    return result.exit_code, result.output


def test_demo_refuses_a_store_it_did_not_create(
    workspace: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the demo wrote its profiles and policy into whatever store the URL named."""
    theirs = tmp_path / "production.sqlite"
    code, output = invoke(
        ["demo", "--declarations", "100"], monkeypatch, ICRMS_DATABASE_URL=f"sqlite:///{theirs}"
    )
    assert code == 2 and "ICRMS_DATABASE_URL names" in output
    assert not theirs.exists()
    secret = "postgresql+psycopg://icrms:hunter2@db.example.invalid/customs"
    code, output = invoke(["demo"], monkeypatch, ICRMS_DATABASE_URL=secret)
    assert code == 2 and "db.example.invalid" in output
    assert "hunter2" not in output


@pytest.mark.parametrize(
    "zone", ["UTC'; SELECT 1; --", "Mars/Olympus_Mons", "../../etc/passwd", "x" * 5000]
)
def test_an_unknown_source_time_zone_is_refused(
    workspace: Settings, tmp_path: Path, zone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: pasted into SQL as it came."""
    path = tmp_path / "d.csv"
    path.write_text("sgd.id\n")
    code, output = invoke(
        ["ingest", "--format", "date", str(path)], monkeypatch, ICRMS_INGEST__SOURCE_TIMEZONE=zone
    )
    assert code == 2, output
    assert "is not a time zone of the IANA database" in output and len(output) < 600


def test_a_named_time_zone_is_used(workspace: Settings, tmp_path: Path) -> None:
    settings = Settings(ingest={"source_timezone": "Pacific/Kiritimati"})  # type: ignore[arg-type]
    assert settings.ingest.source_timezone == "Pacific/Kiritimati"


def test_the_workspace_is_the_owner_s_only(tmp_path: Path) -> None:
    home = Settings(home=tmp_path / "new-ws").ensure_home()
    assert stat.S_IMODE(home.stat().st_mode) == 0o700


def test_a_policy_key_file_others_can_read_is_refused(workspace: Settings) -> None:
    """Before: read whatever its mode."""
    demo = workspace.model_copy(update={"demo": True})
    key = demo.selectivity_secret()
    path = workspace.policy_secret_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert workspace.selectivity_secret() == key
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="readable by other users"):
        workspace.selectivity_secret()


def test_ingest_file_still_reads_with_a_private_workspace(
    workspace: Settings, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "ok.csv", [native_row(1)])
    result = runner.invoke(app, ["ingest", str(path), "--json"])
    assert result.exit_code == 0, result.output


def test_a_bad_setting_is_one_line_naming_the_variable(workspace: Settings) -> None:
    """Before: the console script died with a traceback while reading its settings."""
    env = {**os.environ, "ICRMS_INGEST__SOURCE_TIMEZONE": "UTC'; --"}
    result = subprocess.run(
        [sys.executable, "-c", "from icrms.cli import main; main()", "warehouse", "stats"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert result.returncode == 2
    assert result.stderr.startswith('error: ICRMS_INGEST__SOURCE_TIMEZONE="UTC\'; --": ')
    assert "Traceback" not in result.stderr
