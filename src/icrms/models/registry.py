"""The model registry: versioned artifacts in the workspace, hashed and signed, with promotions.

An artifact is a folder ``<home>/models/<version>/`` of plain data files — no pickle anywhere:
``model.txt`` (LightGBM's text format), ``revenue.txt`` (optional), ``spec.json`` (category
codes, prior, calibration, thresholds, parameters), ``history/*.parquet`` (the history tables
materialised at training time), ``meta.json`` (data window, features, metrics, library versions)
and ``manifest.json`` (SHA-256 of every file and their combined content hash).

``registry.json`` holds one entry per version — its content hash, signed with the instance's
Ed25519 key (:mod:`icrms.core.identity`) — and the promotion history, signed as a whole. A
version is verified (files against the manifest, manifest against the signed entry) before it is
loaded, and must load before it is promoted or rolled back to: an artifact edited after
registration, even with every plain hash recomputed, is refused. Stored trees are read by
:class:`~icrms.models.forest.Forest`, never by LightGBM, so a malformed file is a clear error. Registration writes a staging folder,
renames it into place, then records it; an interruption removes what it wrote, and anything a
killed process left is swept away by the next registration (under a file lock).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as dist_version
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import rfc8785

from icrms.core.identity import Identity
from icrms.errors import ConflictError, IcrmsError, NotFoundError, ValidationError
from icrms.models.derive import FeatureSpec
from icrms.models.forest import Forest
from icrms.models.pipeline import Fitted
from icrms.models.train import TrainedModel

LIBRARIES = ("icrms", "lightgbm", "numba", "numpy", "scikit-learn", "pyarrow", "duckdb")
VERSION_NAME = re.compile(r"^m\d{3,}-[0-9a-f]{10}$")
MAX_TEXT = 256 * 1024 * 1024  # largest model or JSON file read back


class TamperedArtifactError(IcrmsError):
    """An artifact whose files, hashes or signatures do not match what was registered."""

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


def _entry_payload(version: str, entry: dict[str, Any]) -> bytes:
    return rfc8785.dumps(
        {
            "purpose": "icrms model registry entry",
            "version": version,
            "content_hash": entry["content_hash"],
            "created_at": entry["created_at"],
        }
    )


def _promoted_payload(promoted: list[str]) -> bytes:
    return rfc8785.dumps({"purpose": "icrms model promotions", "promoted": promoted})


def _read_text(path: Path, version: str) -> str:
    if not path.is_file() or path.is_symlink():
        raise TamperedArtifactError(f"model version {version}: {path.name} is missing")
    if path.stat().st_size > MAX_TEXT:
        raise ValidationError(path.name, path.stat().st_size, "file too large to be a model")
    return path.read_text("utf-8")


def _json(path: Path, version: str) -> Any:
    try:
        return json.loads(_read_text(path, version))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(path.name, version, f"is not valid JSON: {exc}") from exc


class Registry:
    """Model versions under ``root`` (``<home>/models``), signed by ``identity``."""

    def __init__(self, root: Path, *, identity: Identity) -> None:
        self.root = root
        self.identity = identity
        self.index = root / "registry.json"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _state(self) -> dict[str, Any]:
        if not self.index.is_file():
            return {"versions": {}, "promoted": []}
        state = _json(self.index, "registry")
        if not isinstance(state, dict) or not isinstance(state.get("versions"), dict):
            raise ValidationError("registry.json", str(self.index), "has no versions table")
        state.setdefault("promoted", [])
        return state

    def _save_state(self, state: dict[str, Any]) -> None:
        state["promoted_signature"] = self.identity.sign(_promoted_payload(state["promoted"])).hex()
        tmp = self.index.with_name(".registry.json.tmp")
        tmp.unlink(missing_ok=True)
        tmp.write_text(json.dumps(state, indent=2), encoding="utf-8")
        tmp.replace(self.index)

    def _sweep(self, state: dict[str, Any]) -> None:
        """Remove what interrupted registrations left: staging and unrecorded folders."""
        for folder in self.root.iterdir():
            unrecorded = VERSION_NAME.match(folder.name) and folder.name not in state["versions"]
            if folder.is_dir() and (folder.name.startswith(".staging-") or unrecorded):
                shutil.rmtree(folder, ignore_errors=True)

    def register(self, fitted: Fitted, *, dataset: dict[str, Any] | None = None) -> str:
        """Write a trained model as a new, signed version and return its id."""
        with self._locked():
            state = self._state()
            self._sweep(state)
            staging = self.root / f".staging-{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"
            version: str | None = None
            try:
                version, entry = self._write(staging, fitted, dataset, len(state["versions"]) + 1)
                staging.rename(self.root / version)
                entry["signature"] = self.identity.sign(_entry_payload(version, entry)).hex()
                entry["key"] = self.identity.fingerprint
                state["versions"][version] = entry
                self._save_state(state)
            except BaseException:
                # nothing of it stays unless registry.json records it
                shutil.rmtree(staging, ignore_errors=True)
                with contextlib.suppress(IcrmsError):
                    if version is not None and version not in self._state()["versions"]:
                        shutil.rmtree(self.root / version, ignore_errors=True)
                self.index.with_name(".registry.json.tmp").unlink(missing_ok=True)
                raise
        assert version is not None
        return version

    def _write(
        self, staging: Path, fitted: Fitted, dataset: dict[str, Any] | None, number: int
    ) -> tuple[str, dict[str, Any]]:
        (staging / "history").mkdir(parents=True)
        model = fitted.model
        for name, text in model.texts.items():
            (staging / name).write_text(text, encoding="utf-8")
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
        version = f"m{number:03d}-{digest[:10]}"
        manifest = {"version": version, "files": files, "content_hash": digest}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2), "utf-8")
        return version, {"content_hash": digest, "created_at": meta["created_at"]}

    def versions(self) -> list[dict[str, Any]]:
        """Every version with its metadata summary, oldest first."""
        state = self._state()
        current = self.promoted()
        out = []
        for version in state["versions"]:
            meta = _json(self.root / version / "meta.json", version)
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
        meta = _json(folder / "meta.json", version)
        meta["manifest"] = _json(folder / "manifest.json", version)
        meta["version"] = version
        meta["promoted"] = version == self.promoted()
        return meta

    def _folder(self, version: str) -> Path:
        if version not in self._state()["versions"]:
            raise NotFoundError(f"model version {version!r} is not in the registry {self.root}")
        return self.root / version

    def verify(self, version: str) -> None:
        """Refuse a version whose files, manifest or signed entry do not match."""
        folder = self._folder(version)
        entry = self._state()["versions"][version]
        signature = entry.get("signature")
        try:
            signed = isinstance(signature, str) and self.identity.verify(
                _entry_payload(version, entry), bytes.fromhex(signature)
            )
        except (KeyError, ValueError, TypeError):
            signed = False
        if not signed:
            raise TamperedArtifactError(
                f"model version {version}: its registry entry is not signed by this instance's "
                f"key ({self.identity.fingerprint}); the artifact is refused"
            )
        if not folder.is_dir():
            raise TamperedArtifactError(f"model version {version}: its folder {folder} is missing")
        manifest = _json(folder / "manifest.json", version)
        actual = {
            str(p.relative_to(folder)): _sha(p)
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "manifest.json"
        }
        recorded = manifest.get("files") if isinstance(manifest, dict) else None
        if actual != recorded or _content_hash(actual) != entry["content_hash"]:
            changed = sorted(
                set(actual.items()).symmetric_difference((recorded or {}).items()), key=str
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
        spec = _json(folder / "spec.json", version)
        texts = {"model.txt": _read_text(folder / "model.txt", version)}
        if (folder / "revenue.txt").is_file():
            texts["revenue.txt"] = _read_text(folder / "revenue.txt", version)
        forests = {n: Forest.parse(t, source=f"model {version}") for n, t in texts.items()}
        try:
            model = TrainedModel(
                forest=forests["model.txt"],
                spec=FeatureSpec.from_dict(spec["spec"]),
                calibration=(list(spec["calibration"][0]), list(spec["calibration"][1])),
                revenue=forests.get("revenue.txt"),
                thresholds={k: float(v) for k, v in spec["thresholds"].items()},
                params=dict(spec["params"]),
                texts=texts,
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            msg = f"is not a model specification: {exc}"
            raise ValidationError("spec.json", version, msg) from exc
        history = {p.stem: pq.read_table(p) for p in sorted((folder / "history").glob("*.parquet"))}
        meta = _json(folder / "meta.json", version)
        model.metrics = meta["metrics"]
        ref = folder / "drift.json"
        if ref.is_file():
            meta["drift_reference"] = _json(ref, version)
        return Artifact(version, model, history, meta)

    def promoted(self) -> str | None:
        """The version in force, if any (the signed promotion history must verify)."""
        state = self._state()
        promoted = state["promoted"]
        if not promoted:
            return None
        signature = state.get("promoted_signature")
        try:
            signed = isinstance(signature, str) and self.identity.verify(
                _promoted_payload(promoted), bytes.fromhex(signature)
            )
        except ValueError:
            signed = False
        if not signed:
            raise TamperedArtifactError(
                "the model promotion history is not signed by this instance's key; "
                "promote a version again to replace it"
            )
        return str(promoted[-1])

    def _usable(self, version: str) -> None:
        """Refuse to put in force a version that does not verify or does not load."""
        self.load(version)

    def promote(self, version: str) -> str:
        """Put a version in force (it must verify and load)."""
        with self._locked():
            self._usable(version)
            state = self._state()
            if state["promoted"] and state["promoted"][-1] == version:
                return version
            state["promoted"].append(version)
            self._save_state(state)
        return version

    def rollback(self) -> str:
        """Return to the previously promoted version (it must verify and load, as for a promotion)."""
        with self._locked():
            self.promoted()
            state = self._state()
            if len(state["promoted"]) < 2:
                raise ConflictError("no earlier promoted model to roll back to")
            target = str(state["promoted"][-2])
            self._usable(target)
            state["promoted"].pop()
            self._save_state(state)
        return target
