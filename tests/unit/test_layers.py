"""Layering: web frameworks stay in api/ and web/, typer in cli/; domains never import the service layer."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "icrms"
FRAMEWORKS = {
    "fastapi": {"api", "web"},
    "starlette": {"api", "web"},
    "jinja2": {"api", "web"},
    "typer": {"cli"},
}
SERVICE_LAYER = {"api", "web", "cli"}
DOMAINS = {
    "declarations",
    "ingest",
    "profiles",
    "selectivity",
    "controls",
    "models",
    "warehouse",
    "generator",
    "core",
    "audit",
    "auth",
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _package(path: Path) -> str:
    return path.relative_to(SRC).parts[0]


def test_frameworks_are_imported_only_where_they_belong() -> None:
    wrong = []
    for path in SRC.rglob("*.py"):
        package = _package(path)
        for name in _imports(path):
            top = name.split(".")[0]
            if top in FRAMEWORKS and package not in FRAMEWORKS[top]:
                wrong.append(f"{path.relative_to(SRC)} imports {name}")
    assert wrong == []


def test_domains_do_not_import_the_service_layer() -> None:
    wrong = []
    for path in SRC.rglob("*.py"):
        if _package(path) not in DOMAINS:
            continue
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "icrms" and len(parts) > 1 and parts[1] in SERVICE_LAYER:
                wrong.append(f"{path.relative_to(SRC)} imports {name}")
    # models/demo.py is a known knot (it reaches into the CLI); nothing else may
    assert [w for w in wrong if not w.startswith("models/demo.py")] == []
