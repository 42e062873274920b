"""Closures computing the SQL value (None for NULL) of non-predicate nodes on one row.

Every closure takes ``(row, lookup)``. Arithmetic is done on Python floats, i.e. IEEE doubles
as in DuckDB and Spark; ``x / 0`` is NULL (the SQL side compiles ``x / NULLIF(y, 0)``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from icrms.profiles.rules import ir

Row = Mapping[str, Any]
WatchlistLookup = Callable[[str, Any], bool]
Fn = Callable[[Row, WatchlistLookup], Any]
ROUND_LIMIT = 2.0**52
"""At or above this magnitude a double has no fraction: ROUND returns it unchanged."""


def value_fn(node: ir.Node) -> Fn:
    """A closure returning the node's value, or None for NULL."""
    if isinstance(node, ir.PREDICATES):
        from icrms.profiles.rules.evaluate import truth_fn

        is_true, is_false = truth_fn(node, True), truth_fn(node, False)
        return lambda r, lk: True if is_true(r, lk) else (False if is_false(r, lk) else None)
    if isinstance(node, ir.Const):
        const = node.value
        return lambda r, lk: const
    if isinstance(node, ir.Col):
        return _column(node)
    if isinstance(node, ir.Arith):
        return _arith(node.op, double_fn(node.left), double_fn(node.right))
    if isinstance(node, ir.Negate):
        arg = double_fn(node.arg)
        return lambda r, lk: None if (v := arg(r, lk)) is None else -v
    if isinstance(node, ir.ToDouble):
        return double_fn(node.arg)
    if isinstance(node, ir.Call):
        return _call(node)
    if isinstance(node, ir.Case):
        return _case(node)
    raise TypeError(f"cannot evaluate {type(node).__name__}")  # pragma: no cover


def double_fn(node: ir.Node) -> Fn:
    """Like :func:`value_fn` but yields floats (rows may hold ints in number columns)."""
    if isinstance(node, ir.Const):
        const = None if node.value is None else float(node.value)
        return lambda r, lk: const
    if isinstance(node, ir.Arith | ir.Negate) or (
        isinstance(node, ir.Call) and node.name == "ROUND"
    ):
        return value_fn(node)
    if isinstance(node, ir.Col):
        name = node.name
        return lambda r, lk: None if (v := r.get(name)) is None else float(v)
    inner = node.arg if isinstance(node, ir.ToDouble) else node
    fn = value_fn(inner)
    return lambda r, lk: None if (v := fn(r, lk)) is None else float(v)


def as_bool(value: Any) -> bool | None:
    """A row's boolean as a Python bool (accepts numpy booleans and 0/1)."""
    if value is None or value is True or value is False:
        return value
    return bool(value)


def _column(node: ir.Col) -> Fn:
    name = node.name
    if node.type == "bool":
        return lambda r, lk: as_bool(r.get(name))
    return lambda r, lk: r.get(name)


def _arith(op: str, left: Fn, right: Fn) -> Fn:
    if op == "+":

        def add(r: Row, lk: WatchlistLookup) -> Any:
            a = left(r, lk)
            return None if a is None or (b := right(r, lk)) is None else a + b

        return add
    if op == "-":

        def sub(r: Row, lk: WatchlistLookup) -> Any:
            a = left(r, lk)
            return None if a is None or (b := right(r, lk)) is None else a - b

        return sub
    if op == "*":

        def mul(r: Row, lk: WatchlistLookup) -> Any:
            a = left(r, lk)
            return None if a is None or (b := right(r, lk)) is None else a * b

        return mul

    def div(r: Row, lk: WatchlistLookup) -> Any:
        a = left(r, lk)
        return None if a is None or not (b := right(r, lk)) else a / b

    return div


def round_half_away(x: float, digits: int) -> float:
    """ROUND as defined by the rule language (identical formula in the compiled SQL).

    ``sign(x) * floor(|x| * 10^d + 0.5) / 10^d`` in doubles, and ``x`` itself once
    ``|x| * 10^d >= 2^52``; for negative ``d`` the scaling divides and multiplies instead.
    """
    scale = 10.0 ** abs(digits)
    if digits > 0:
        scaled = abs(x) * scale
    elif digits < 0:
        scaled = abs(x) / scale
    else:
        scaled = abs(x)
    if scaled >= ROUND_LIMIT:
        return x
    whole = float(math.floor(scaled + 0.5))
    result = whole / scale if digits > 0 else whole * scale if digits < 0 else whole
    return -result if x < 0 else result


def _call(node: ir.Call) -> Fn:
    name = node.name
    if name == "COALESCE":
        parts = tuple(value_fn(a) for a in node.args)

        def coalesce(r: Row, lk: WatchlistLookup) -> Any:
            for part in parts:
                v = part(r, lk)
                if v is not None:
                    return v
            return None

        return coalesce
    if name == "ROUND":
        arg, digits = double_fn(node.args[0]), node.ints[0]
        return lambda r, lk: None if (v := arg(r, lk)) is None else round_half_away(v, digits)
    arg = value_fn(node.args[0])
    if name == "LOWER":
        return lambda r, lk: None if (v := arg(r, lk)) is None else v.lower()
    if name == "UPPER":
        return lambda r, lk: None if (v := arg(r, lk)) is None else v.upper()
    if name == "LENGTH":
        return lambda r, lk: None if (v := arg(r, lk)) is None else len(v)
    if name == "ABS":
        return lambda r, lk: None if (v := arg(r, lk)) is None else abs(v)
    if name == "LEFT":
        n = node.ints[0]
        return lambda r, lk: None if (v := arg(r, lk)) is None else v[:n]
    if name == "RIGHT":
        n = node.ints[0]
        if n == 0:
            return lambda r, lk: None if arg(r, lk) is None else ""
        return lambda r, lk: None if (v := arg(r, lk)) is None else v[-n:]
    if name == "SUBSTR":
        start = node.ints[0] - 1
        stop = start + node.ints[1] if len(node.ints) > 1 else None
        return lambda r, lk: None if (v := arg(r, lk)) is None else v[start:stop]
    raise TypeError(f"cannot evaluate function {name}")  # pragma: no cover


def _case(node: ir.Case) -> Fn:
    from icrms.profiles.rules.evaluate import truth_fn

    pairs = tuple((truth_fn(c, True), value_fn(v)) for c, v in node.whens)
    default = value_fn(node.default) if node.default is not None else None

    def case(r: Row, lk: WatchlistLookup) -> Any:
        for cond, value in pairs:
            if cond(r, lk):
                return value(r, lk)
        return None if default is None else default(r, lk)

    return case
