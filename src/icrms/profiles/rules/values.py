"""Closures computing the SQL value (None for NULL) of non-predicate nodes on one row.

Every closure takes ``(row, lookup)``. Arithmetic is done on Python floats, i.e. IEEE doubles
as in DuckDB; as there, ``x / 0`` is infinite (NaN for ``0 / 0``) and never raises, and ROUND
is DuckDB's (:func:`duckdb_round`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from icrms.profiles.rules import case, ir

Row = Mapping[str, Any]
WatchlistLookup = Callable[[str, Any], bool]
Fn = Callable[[Row, WatchlistLookup], Any]


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
        return None if a is None or (b := right(r, lk)) is None else divide(a, b)

    return div


def divide(a: float, b: float) -> float:
    """IEEE division, as DuckDB's: ``x / ±0`` is ±infinity by the signs, ``0 / 0`` NaN."""
    if b:
        return a / b
    if a != a or not a:
        return math.nan
    return math.copysign(math.inf, a) * math.copysign(1.0, b)


def _c_round(y: float) -> float:
    """C's ``round``: half away from zero, exact (``0.49999999999999994`` rounds to 0), the sign
    of a zero result kept, infinities and NaN unchanged."""
    if not math.isfinite(y):
        return y
    whole = math.trunc(y)
    if abs(y - whole) >= 0.5:
        whole += 1 if y > 0 else -1
    return math.copysign(float(whole), y)


def duckdb_round(x: float, digits: int) -> float:
    """ROUND(x, digits) of a double exactly as DuckDB computes it.

    ``round(x * 10^d) / 10^d`` (``x`` itself when that is not finite) for ``d >= 0``;
    ``round(x / 10^-d) * 10^-d`` (0 when that is not finite) for ``d < 0``.
    """
    if digits == 0:
        return _c_round(x)
    if digits > 0:
        scale = 10.0**digits
        result = _c_round(x * scale) / scale
        return result if math.isfinite(result) else x
    scale = 10.0**-digits
    result = _c_round(x / scale) * scale
    return result if math.isfinite(result) else 0.0


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
        return lambda r, lk: None if (v := arg(r, lk)) is None else duckdb_round(v, digits)
    arg = value_fn(node.args[0])
    if name == "LOWER":
        return lambda r, lk: None if (v := arg(r, lk)) is None else case.lower(v)
    if name == "UPPER":
        return lambda r, lk: None if (v := arg(r, lk)) is None else case.upper(v)
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
