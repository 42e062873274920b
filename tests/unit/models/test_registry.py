"""Registry: versions, signed entries, promotion, rollback, forgery and interruption."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from icrms.core.identity import load_identity
from icrms.errors import ConflictError, NotFoundError, ValidationError
from icrms.models import registry as registry_module
from icrms.models import service
from icrms.models.pipeline import Fitted
from icrms.models.registry import Registry, TamperedArtifactError, _content_hash, _sha
from icrms.settings import Settings
from icrms.warehouse.duckdb import DuckDBWarehouse


def _copy(trained, tmp_path: Path) -> Registry:  # type: ignore[no-untyped-def]
    root = tmp_path / "models"
    shutil.copytree(trained.settings.home / "models", root)
    return Registry(root, identity=load_identity(trained.settings.home / "keys"))


def _again(reg: Registry, version: str) -> str:
    """Register a loaded version once more (a second, distinct version)."""
    artifact = reg.load(version)
    return reg.register(Fitted(artifact.model, artifact.history, artifact.meta["window"]))


def _rehash(reg: Registry, version: str) -> None:
    """What a forger without the key can do: recompute every plain hash after an edit."""
    folder = reg.root / version
    files = {
        str(p.relative_to(folder)): _sha(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"] = files
    manifest["content_hash"] = _content_hash(files)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    state = json.loads(reg.index.read_text())
    state["versions"][version]["content_hash"] = manifest["content_hash"]
    reg.index.write_text(json.dumps(state))


def test_artifact_metadata_and_roundtrip(trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reg = _copy(trained, tmp_path)
    meta = reg.meta(trained.version)
    assert trained.version.endswith(meta["manifest"]["content_hash"][:10])
    assert meta["libraries"]["lightgbm"] and meta["window"]["train_until"]
    assert "importer_rate" in meta["features"] and meta["metrics"]["train_rows"] > 0
    loaded = reg.load(trained.version)
    assert loaded.history["e_importer"].num_rows > 0
    assert loaded.model.forest.trees == meta["metrics"]["trees"]
    assert not any(p.suffix in (".pkl", ".pickle", ".joblib") for p in reg.root.rglob("*"))
    entry = json.loads(reg.index.read_text())["versions"][trained.version]
    assert len(bytes.fromhex(entry["signature"])) == 64
    assert entry["key"] == load_identity(trained.settings.home / "keys").fingerprint


def test_promote_and_rollback(trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reg = _copy(trained, tmp_path)
    with pytest.raises(NotFoundError, match="no model is promoted"):
        reg.load()
    first = trained.version
    second = _again(reg, first)
    assert second != first and second.startswith("m002-")
    reg.promote(first)
    with pytest.raises(ConflictError):
        reg.rollback()
    reg.promote(second)
    assert reg.promoted() == second and reg.load().version == second
    assert reg.rollback() == first
    assert reg.promoted() == first


def test_rollback_verifies_its_target(trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reg = _copy(trained, tmp_path)
    first, second = trained.version, _again(reg, trained.version)
    reg.promote(first)
    reg.promote(second)
    spec = reg.root / first / "spec.json"
    spec.write_text(spec.read_text().replace('"red_at": ', '"red_at": 0.0, "was": '))
    with pytest.raises(TamperedArtifactError, match=r"spec\.json"):
        reg.rollback()
    assert reg.promoted() == second


def test_rollback_to_an_unregistered_version_is_refused(trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reg = _copy(trained, tmp_path)
    reg.promote(trained.version)
    state = json.loads(reg.index.read_text())
    state["promoted"].insert(0, "m000-0123456789")
    reg.index.write_text(json.dumps(state))
    # an edited promotion history is not signed: nothing loads from it
    with pytest.raises(TamperedArtifactError, match="promotion history"):
        reg.rollback()
    with pytest.raises(TamperedArtifactError, match="promotion history"):
        reg.load()
    # even a history the instance signed cannot roll back to a version it does not hold
    reg._save_state(state)
    with pytest.raises(NotFoundError, match="m000-0123456789"):
        reg.rollback()
    assert reg.promoted() == trained.version


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


def test_forged_model_with_recomputed_hashes_is_refused(trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reg = _copy(trained, tmp_path)
    model = reg.root / trained.version / "model.txt"
    lines = [
        "leaf_value=" + " ".join("40" for _ in line.split("=", 1)[1].split())
        if line.startswith("leaf_value=")
        else line
        for line in model.read_text().splitlines()
    ]
    model.write_text("\n".join(lines) + "\n")
    _rehash(reg, trained.version)
    for action in (reg.load, reg.promote):
        with pytest.raises(TamperedArtifactError, match="not signed by this instance"):
            action(trained.version)
    other = Registry(reg.root, identity=load_identity(tmp_path / "other-keys"))
    with pytest.raises(TamperedArtifactError, match="not signed"):
        other.load(trained.version)


@pytest.mark.parametrize(
    "content",
    ["garbage\x00\xff", "tree\nversion=v4\nfeature_names=a b\n\nTree=0\nnum_leaves=3\n"],
)
def test_malformed_model_is_a_clear_error(trained, tmp_path: Path, content: str) -> None:  # type: ignore[no-untyped-def]
    reg = _copy(trained, tmp_path)
    (reg.root / trained.version / "model.txt").write_text(content)
    _rehash(reg, trained.version)
    state = json.loads(reg.index.read_text())
    entry = state["versions"][trained.version]
    # signed by the instance itself (a bug, not a forger): still an error, never a crash
    entry["signature"] = reg.identity.sign(
        registry_module._entry_payload(trained.version, entry)
    ).hex()
    reg.index.write_text(json.dumps(state))
    with pytest.raises(ValidationError, match="not a usable tree model"):
        reg.load(trained.version)


def _sign_as_is(reg: Registry, version: str) -> None:
    """Re-sign a version's present files with the instance's key (a bug, not a forger)."""
    _rehash(reg, version)
    state = json.loads(reg.index.read_text())
    entry = state["versions"][version]
    entry["signature"] = reg.identity.sign(registry_module._entry_payload(version, entry)).hex()
    reg.index.write_text(json.dumps(state))


def test_promote_and_rollback_refuse_a_signed_version_that_does_not_load(
    trained, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    reg = _copy(trained, tmp_path)
    first, second = trained.version, _again(reg, trained.version)
    reg.promote(first)
    reg.promote(second)
    (reg.root / first / "model.txt").write_text("garbage\n")
    _sign_as_is(reg, first)
    with pytest.raises(ValidationError, match="not a usable tree model"):
        reg.promote(first)
    with pytest.raises(ValidationError, match="not a usable tree model"):
        reg.rollback()
    assert reg.promoted() == second  # nothing changed: the version in force still loads
    assert reg.load().version == second


def test_rollback_refuses_a_forged_target(trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    reg = _copy(trained, tmp_path)
    first, second = trained.version, _again(reg, trained.version)
    reg.promote(first)
    reg.promote(second)
    spec = reg.root / first / "spec.json"
    spec.write_text(spec.read_text().replace('"red_at": ', '"red_at": 0.0, "was": '))
    _rehash(reg, first)
    with pytest.raises(TamperedArtifactError, match="not signed by this instance"):
        reg.rollback()
    assert reg.promoted() == second


def test_interrupted_registration_leaves_nothing(
    trained, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    reg = _copy(trained, tmp_path)
    before = sorted(p.name for p in reg.root.iterdir())
    index = reg.index.read_text()
    artifact = reg.load(trained.version)
    fitted = Fitted(artifact.model, artifact.history, artifact.meta["window"])

    def interrupted(*_a: object, **_k: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(registry_module.pq, "write_table", interrupted)
        with pytest.raises(KeyboardInterrupt):
            reg.register(fitted)
    assert sorted(p.name for p in reg.root.iterdir()) == before
    assert reg.index.read_text() == index
    # interrupted after the folder was renamed into place, while recording it
    with monkeypatch.context() as m:
        m.setattr(Registry, "_save_state", interrupted)
        with pytest.raises(KeyboardInterrupt):
            reg.register(fitted)
    assert sorted(p.name for p in reg.root.iterdir()) == before
    assert reg.index.read_text() == index
    # a killed process cannot clean up: the next registration sweeps what it left
    (reg.root / ".staging-20260101000000000000" / "history").mkdir(parents=True)
    shutil.copytree(reg.root / trained.version, reg.root / "m002-0123456789")
    version = reg.register(fitted)
    assert sorted(p.name for p in reg.root.iterdir()) == sorted([*before, version])
    assert [v["version"] for v in reg.versions()] == [trained.version, version]


def test_training_without_labels_fails_clearly(trained, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(home=tmp_path)
    shutil.copy(trained.settings.warehouse_path, settings.warehouse_path)
    with DuckDBWarehouse(settings.warehouse_path) as wh:
        wh.execute("DELETE FROM fact_control")
        with pytest.raises(ValidationError, match="control results"):
            service.train(wh, settings)
