"""The model registry: versioned artifacts in the workspace, content-hashed, with promotion history.

An artifact is a folder ``<home>/models/<version>/`` of plain data files — no pickle anywhere:
``model.txt`` (LightGBM's text format), ``revenue.txt`` (optional), ``spec.json`` (category
codes, prior, calibration, thresholds, parameters), ``history/*.parquet`` (the history tables
materialised at training time), ``meta.json`` (data window, features, metrics, library versions)
and ``manifest.json`` (SHA-256 of every file and their combined content hash). The version id
ends with the content hash, and ``registry.json`` records it too: a file changed after
registration is refused at load.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

import lightgbm as lgb
import pyarrow as pa
import pyarrow.parquet as pq

from icrms.errors import ConflictError, IcrmsError, NotFoundError
from icrms.models.derive import FeatureSpec
from icrms.models.pipeline import Fitted
from icrms.models.train import TrainedModel

LIBRARIES = ("icrms", "lightgbm", "numpy", "scikit-learn", "pyarrow", "duckdb")


class TamperedArtifactError(IcrmsError):
    """An artifact whose files do not match its recorded hashes."""

    status_code = 409


@dataclass
class Artifact:
    """A loaded model version."""

    version: str
    model: TrainedModel
    history: dict[str, pa.Table]
    meta: dict[str, Any]


def _sha(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _content_hash(files: dict[str, str]) -> str:
    text = "".join(f"{name}:{files[name]}\n" for name in sorted(files))
    return hashlib.sha256(text.encode()).hexdigest()


class Registry:
    """Model versions under ``root`` (``<home>/models``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.index = root / "registry.json"

    def _state(self) -> dict[str, Any]:
        if not self.index.is_file():
            return {"versions": {}, "promoted": []}
        return json.loads(self.index.read_text(encoding="utf-8"))

    def _save_state(self, state: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.index.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
        tmp.replace(self.index)

    def register(self, fitted: Fitted, *, dataset: dict[str, Any] | None = None) -> str:
        """Write a trained model as a new version and return its id."""
        state = self._state()
        staging = self.root / f".staging-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"
        (staging / "history").mkdir(parents=True)
        model = fitted.model
        model.booster.save_model(str(staging / "model.txt"))
        if model.revenue is not None:
            model.revenue.save_model(str(staging / "revenue.txt"))
        spec = {
            "spec": model.spec.as_dict(),
            "calibration": list(model.calibration),
            "thresholds": model.thresholds,
            "params": model.params,
        }
        (staging / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
        for name, table in fitted.history.items():
            pq.write_table(table, staging / "history" / f"{name}.parquet")
        meta = {
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "kind": "lightgbm-binary",
            "window": fitted.window,
            "dataset": dataset or {},
            "features": model.spec.names,
            "categorical": model.spec.categorical,
            "metrics": model.metrics,
            "libraries": {lib: dist_version(lib) for lib in LIBRARIES},
        }
        if fitted.reference is not None:
            (staging / "drift.json").write_text(json.dumps(fitted.reference), "utf-8")
        (staging / "meta.json").write_text(json.dumps(meta, indent=2, default=str), "utf-8")
        files = {
            str(p.relative_to(staging)): _sha(p) for p in sorted(staging.rglob("*")) if p.is_file()
        }
        digest = _content_hash(files)
        version = f"m{len(state['versions']) + 1:03d}-{digest[:10]}"
        manifest = {"version": version, "files": files, "content_hash": digest}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), "utf-8")
        staging.rename(self.root / version)
        state["versions"][version] = {"content_hash": digest, "created_at": meta["created_at"]}
        self._save_state(state)
        return version

    def versions(self) -> list[dict[str, Any]]:
        """Every version with its metadata summary, oldest first."""
        state = self._state()
        current = self.promoted()
        out = []
        for version in state["versions"]:
            meta = json.loads((self.root / version / "meta.json").read_text("utf-8"))
            out.append(
                {
                    "version": version,
                    "created_at": meta["created_at"],
                    "promoted": version == current,
                    "window": meta["window"],
                    "metrics": meta["metrics"],
                }
            )
        return out

    def meta(self, version: str) -> dict[str, Any]:
        """Metadata of a version, with its manifest."""
        folder = self._folder(version)
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        meta["manifest"] = json.loads((folder / "manifest.json").read_text("utf-8"))
        meta["version"] = version
        meta["promoted"] = version == self.promoted()
        return meta

    def _folder(self, version: str) -> Path:
        if version not in self._state()["versions"]:
            raise NotFoundError(f"model version {version!r} is not in the registry {self.root}")
        return self.root / version

    def verify(self, version: str) -> None:
        """Refuse a version whose files differ from what was registered."""
        folder = self._folder(version)
        recorded = self._state()["versions"][version]["content_hash"]
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        actual = {
            str(p.relative_to(folder)): _sha(p)
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "manifest.json"
        }
        if actual != manifest["files"] or _content_hash(actual) != recorded:
            changed = sorted(
                set(actual.items()).symmetric_difference(manifest["files"].items()), key=str
            )
            names = sorted({name for name, _ in changed}) or ["manifest.json"]
            raise TamperedArtifactError(
                f"model version {version}: content hash mismatch in {', '.join(names)}; "
                "the artifact was modified after registration and is refused"
            )

    def load(self, version: str | None = None) -> Artifact:
        """Load (after verifying) a version, by default the promoted one."""
        version = version or self.promoted()
        if version is None:
            raise NotFoundError("no model is promoted: run 'icrms models promote VERSION'")
        self.verify(version)
        folder = self.root / version
        spec = json.loads((folder / "spec.json").read_text("utf-8"))
        revenue = folder / "revenue.txt"
        model = TrainedModel(
            booster=lgb.Booster(model_file=str(folder / "model.txt")),
            spec=FeatureSpec.from_dict(spec["spec"]),
            calibration=(spec["calibration"][0], spec["calibration"][1]),
            revenue=lgb.Booster(model_file=str(revenue)) if revenue.is_file() else None,
            thresholds=spec["thresholds"],
            params=spec["params"],
        )
        history = {p.stem: pq.read_table(p) for p in sorted((folder / "history").glob("*.parquet"))}
        meta = json.loads((folder / "meta.json").read_text("utf-8"))
        model.metrics = meta["metrics"]
        ref = folder / "drift.json"
        if ref.is_file():
            meta["drift_reference"] = json.loads(ref.read_text("utf-8"))
        return Artifact(version, model, history, meta)

    def promoted(self) -> str | None:
        """The version in force, if any."""
        promoted = self._state()["promoted"]
        return promoted[-1] if promoted else None

    def promote(self, version: str) -> str:
        """Put a version in force (it must verify)."""
        self.verify(version)
        state = self._state()
        if state["promoted"] and state["promoted"][-1] == version:
            return version
        state["promoted"].append(version)
        self._save_state(state)
        return version

    def rollback(self) -> str:
        """Return to the previously promoted version."""
        state = self._state()
        if len(state["promoted"]) < 2:
            raise ConflictError("no earlier promoted model to roll back to")
        state["promoted"].pop()
        self._save_state(state)
        return str(state["promoted"][-1])

    def remove_staging(self) -> None:
        """Delete folders left by interrupted registrations."""
        for folder in self.root.glob(".staging-*"):
            shutil.rmtree(folder, ignore_errors=True)
