"""``icrms models`` commands on a workspace: train, list, show, promote, rollback, drift."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from icrms.cli import models
from icrms.generator import generate
from icrms.ingest.flows import ingest_file
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse

app = typer.Typer()
app.add_typer(models.app, name="models")
runner = CliRunner()


def _json(args: list[str]) -> object:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_models_lifecycle(workspace: Settings, tmp_path: Path) -> None:
    data = tmp_path / "d.parquet"
    generate(declarations=2500, seed=2, out=data, fmt="native")
    with DuckDBWarehouse(workspace.warehouse_path) as wh:
        ingest_file(wh, data, fmt="native", settings=workspace)
    first = _json(["models", "train"])
    second = _json(["models", "train", "--seed", "1"])
    assert first["version"] != second["version"]  # type: ignore[index]
    listed = _json(["models", "list"])
    assert [r["version"] for r in listed] == [first["version"], second["version"]]  # type: ignore[index,union-attr]
    assert _json(["models", "promote", first["version"]]) == {"promoted": first["version"]}  # type: ignore[index]
    assert _json(["models", "promote", second["version"]]) == {"promoted": second["version"]}  # type: ignore[index]
    assert _json(["models", "rollback"]) == {"promoted": first["version"]}  # type: ignore[index]
    shown = _json(["models", "show", first["version"]])
    assert shown["promoted"] is True and shown["features"]  # type: ignore[index]
    drift = _json(["models", "drift", "--days", "60"])
    assert drift["version"] == first["version"] and drift["features"]  # type: ignore[index]
    missing = runner.invoke(app, ["models", "show", "nope"])
    assert missing.exit_code == 2 and "nope" in missing.output
