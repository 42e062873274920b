"""Read the YAML and JSON documents icrms is handed (profiles, policies, declarations) safely.

A small hostile file must not cost large memory or time: a document is at most ``MAX_BYTES``,
nested at most ``MAX_DEPTH`` deep, YAML holds at most ``MAX_ALIASES`` aliases, and the loaded
data, with every alias expanded, has at most ``MAX_NODES`` values. Errors quote only a short cut
of the input.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from icrms.errors import ValidationError, cut

MAX_BYTES = 1 << 20  # 1 MiB
MAX_DEPTH = 32
MAX_ALIASES = 100
MAX_NODES = 100_000

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, counting aliases and nesting as it composes the document."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise yaml.YAMLError(f"more than {MAX_ALIASES} aliases")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.YAMLError(f"nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def json_depth(text: str) -> int:
    """How deep brackets nest in JSON text (brackets inside strings do not count)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        depth += 1 if match.group() in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def count_nodes(data: Any, budget: int = MAX_NODES) -> int:
    """Values in ``data`` with shared parts counted each time (stops past ``budget``)."""
    seen, stack = 0, [data]
    while stack and seen <= budget:
        value = stack.pop()
        seen += 1
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return seen


def parse_json(text: str, *, what: str = "document") -> Any:
    """JSON text parsed within the depth and size limits."""
    if len(text) > MAX_BYTES:
        raise ValidationError(what, f"{len(text):,} characters", f"is larger than {MAX_BYTES:,}")
    if json_depth(text) > MAX_DEPTH:
        raise ValidationError(what, cut(text, 60), f"is nested more than {MAX_DEPTH} levels deep")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValidationError(what, cut(text, 60), f"is not valid JSON: {cut(str(exc))}") from exc


def read_document(path: Path, *, what: str = "file") -> Any:
    """A .json, .yaml or .yml file's data, within the limits; a problem names the file."""
    if not path.is_file():
        raise ValidationError(what, str(path), "does not exist")
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise ValidationError(what, str(path), f"is {size:,} bytes; at most {MAX_BYTES:,}")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError(what, str(path), f"is not UTF-8 text ({exc.reason})") from exc
    if path.suffix.lower() == ".json":
        try:
            data = parse_json(text, what=what)
        except ValidationError as exc:
            raise ValidationError(what, str(path), exc.reason) from exc
    else:
        try:
            data = yaml.load(text, Loader=_BoundedLoader)
        except yaml.YAMLError as exc:
            raise ValidationError(what, str(path), f"is not valid YAML: {cut(str(exc))}") from exc
    if count_nodes(data) > MAX_NODES:
        raise ValidationError(
            what, str(path), f"expands to more than {MAX_NODES:,} values (aliases included)"
        )
    return data
