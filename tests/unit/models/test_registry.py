"""Registry: versions, promotion, rollback, tamper refusal, and bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from icrms.errors import ConflictError, NotFoundError, ValidationError
from icrms.models import service
from icrms.models.registry import Registry, TamperedArtifactError
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse


def _copy(trained, tmp_path: Path) -> Registry:  # type: ignore[no-untyped-def]
    root = tmp_path / "models"
    shutil.copytree(trained.settings.home / "models", root)
    return Registry(root)


def test_artifact_metadata_and_roundtrip(trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reg = _copy(trained, tmp_path)
    meta = reg.meta(trained.version)
    assert trained.version.endswith(meta["manifest"]["content_hash"][:10])
    assert meta["libraries"]["lightgbm"] and meta["window"]["train_until"]
    assert "importer_rate" in meta["features"] and meta["metrics"]["train_rows"] > 0
    loaded = reg.load(trained.version)
    assert loaded.history["e_importer"].num_rows > 0
    assert not any(p.suffix in (".pkl", ".pickle", ".joblib") for p in reg.root.rglob("*"))


def test_promote_and_rollback(trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reg = _copy(trained, tmp_path)
    with pytest.raises(NotFoundError, match="no model is promoted"):
        reg.load()
    reg.promote(trained.version)
    assert reg.promoted() == trained.version
    with pytest.raises(ConflictError):
        reg.rollback()
    state = json.loads(reg.index.read_text())
    state["promoted"].insert(0, "m000-older")
    reg.index.write_text(json.dumps(state))
    assert reg.rollback() == "m000-older"


def test_tampered_artifact_is_refused(trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reg = _copy(trained, tmp_path)
    spec = reg.root / trained.version / "spec.json"
    data = json.loads(spec.read_text())
    data["thresholds"]["red_at"] = 0.0
    spec.write_text(json.dumps(data))
    with pytest.raises(TamperedArtifactError, match=r"spec\.json"):
        reg.load(trained.version)
    with pytest.raises(TamperedArtifactError):
        reg.promote(trained.version)


def test_training_without_labels_fails_clearly(trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(home=tmp_path)
    shutil.copy(trained.settings.warehouse_path, settings.warehouse_path)
    with DuckDBWarehouse(settings.warehouse_path) as wh:
        wh.execute("DELETE FROM fact_control")
        with pytest.raises(ValidationError, match="control results"):
            service.train(wh, settings)
