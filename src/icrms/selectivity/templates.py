"""Group criteria that differ only in their constants, so that SQL tests each shape once.

``hs6 = '851713' AND unit_value < 700`` and ``hs6 = '640399' AND unit_value < 19`` share the
template ``hs6 = :c0 AND unit_value < :c1``; the bulk engine evaluates a template once, joined
with a table holding each profile's constants, instead of one expression per profile.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from icrms.profiles.rules import ir

PARAM = "__c"
_ARROW = {
    "string": pa.string(),
    "bool": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
}


@dataclass(frozen=True)
class Template:
    """A criterion shape: its tree with constants replaced by parameter columns."""

    root: ir.Node
    params: tuple[ir.Col, ...]

    def schema(self) -> pa.Schema:
        """Arrow schema of the constants table: profile number ``p`` and one column per parameter."""
        fields = [pa.field("p", pa.int32())]
        for col in self.params:
            kind = (
                pa.int64()
                if col.kind == "number" and col.is_int
                else _ARROW.get(col.kind, pa.float64())
            )
            fields.append(pa.field(col.name, kind))
        return pa.schema(fields)


def parameterize(root: ir.Node) -> tuple[Template, list[Any]]:
    """The template of a criterion and its constants, in parameter order."""
    values: list[Any] = []
    params: list[ir.Col] = []

    def sub(node: Any) -> Any:
        if isinstance(node, ir.Const) and node.kind != ir.NULL:
            col = ir.Col(f"{PARAM}{len(params)}", node.kind, node.is_int)
            params.append(col)
            values.append(node.value)
            return col
        if isinstance(node, ir.InList):  # list members stay literal: they are part of the shape
            return dataclasses.replace(node, arg=sub(node.arg))
        if isinstance(node, ir.Node):
            changes = {f.name: sub(getattr(node, f.name)) for f in dataclasses.fields(node)}
            return dataclasses.replace(node, **changes)
        if isinstance(node, tuple):
            return tuple(sub(n) for n in node)
        return node

    return Template(sub(root), tuple(params)), values
